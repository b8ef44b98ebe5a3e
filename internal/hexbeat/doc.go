// Package hexbeat holds the domain of the hexbeat service: incidents, boundaries, cell
// aggregates, the filters a caller can ask for (each with Validate), the service
// interfaces the adapters implement, and Error, the error type whose Code the API turns
// into an HTTP status. It imports only the standard library and orb.
package hexbeat
