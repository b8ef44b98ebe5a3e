module github.com/hexbeat/hexbeat

go 1.26.8

require (
	github.com/paulmach/orb v0.14.0
	github.com/uber/h3-go/v4 v4.5.0
)

require go.mongodb.org/mongo-driver/v2 v2.5.0 // indirect
