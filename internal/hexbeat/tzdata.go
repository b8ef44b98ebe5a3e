package hexbeat

// The time zone database is built in, so that UK months are right on a machine without
// /usr/share/zoneinfo (a minimal container image).
import _ "time/tzdata"
