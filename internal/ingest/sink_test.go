package ingest

import (
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// memSink collects what a reader hands to the store.
type memSink = testkit.Collector
