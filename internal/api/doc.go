// Package api is hexbeat's HTTP server (Fiber): JSON and GeoJSON under /api/v1, health
// endpoints, and the embedded web map. Handlers parse input into domain values, validate
// them, call a service and encode the result; one error handler turns domain error codes
// into RFC 9457 problem+json, and internal errors are logged with the request id and
// answered only with "internal error".
package api
