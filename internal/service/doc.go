// Package service holds hexbeat's application services: it answers domain queries from the
// in-memory index, resolves boundaries from the store, validates what only the data can
// validate (known categories, existing boundaries), and keeps the index in step with the
// batches committed to the store, whether by this process, another `hexbeat import`, or
// another replica.
package service
