package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// CreateAuthorisation records a Section 60 authorisation and its audit event in one
// transaction, and returns it with its id.
func (s *Store) CreateAuthorisation(ctx context.Context, a hexbeat.Authorisation, ev hexbeat.AuditEvent) (hexbeat.Authorisation, error) {
	area, err := geometryJSON(a.Area)
	if err != nil {
		return a, fmt.Errorf("store: authorisation area: %w", err)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		cols := `area, grounds, officer, rank, starts_at, ends_at, proposal, created_at, created_by`
		vals := `?, ?, ?, ?, ?, ?, ?, ?, ?`
		args := []any{area, a.Grounds, a.Officer, a.Rank, s.timeArg(a.Start), s.timeArg(a.End), a.Proposal, s.timeArg(a.CreatedAt), a.CreatedBy}
		if s.dialect == Postgres {
			cols += `, geom`
			vals += `, ST_SetSRID(ST_Multi(ST_GeomFromGeoJSON(?)), 4326)`
			args = append(args, area)
		}
		if err := tx.QueryRowxContext(ctx, s.db.Rebind(`INSERT INTO authorisations (`+cols+`) VALUES (`+vals+`) RETURNING id`), args...).Scan(&a.ID); err != nil {
			return fmt.Errorf("store: record authorisation: %w", err)
		}
		ev.Subject = fmt.Sprintf("authorisation/%d", a.ID)
		return s.audit(ctx, tx, ev)
	})
	return a, err
}

const authorisationCols = `id, area, grounds, officer, rank, starts_at, ends_at, ext_officer, ext_rank, ext_ends_at, ext_at, ext_reason,
	cancelled_at, cancelled_by, cancel_reason, proposal, created_at, created_by, inf_officer, inf_rank, inf_at, inf_recorded_by,
	inf_recorded_at, notices`

// storedNotice is a community notice as the notices column holds it.
type storedNotice struct {
	At         time.Time `json:"at"`
	Stage      string    `json:"stage"`
	How        string    `json:"how"`
	To         string    `json:"to"`
	Text       string    `json:"text"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

func (s *Store) scanAuthorisation(r scanner) (hexbeat.Authorisation, error) {
	var a hexbeat.Authorisation
	var area string
	var start, end, created any
	var extOfficer, extRank, extReason, cancelledBy, cancelReason sql.NullString
	var extEnd, extAt, cancelledAt any
	var infOfficer, infRank, infBy sql.NullString
	var infAt, infRecorded any
	var notices string
	if err := r.Scan(&a.ID, &area, &a.Grounds, &a.Officer, &a.Rank, &start, &end, &extOfficer, &extRank, &extEnd, &extAt, &extReason,
		&cancelledAt, &cancelledBy, &cancelReason, &a.Proposal, &created, &a.CreatedBy, &infOfficer, &infRank, &infAt, &infBy,
		&infRecorded, &notices); err != nil {
		return a, err
	}
	if infOfficer.Valid {
		a.Informed = &hexbeat.Informed{Officer: infOfficer.String, Rank: infRank.String, At: scanTime(infAt), RecordedBy: infBy.String, RecordedAt: scanTime(infRecorded)}
	}
	var ns []storedNotice
	if err := json.Unmarshal([]byte(notices), &ns); err != nil {
		return a, fmt.Errorf("store: authorisation %d notices: %w", a.ID, err)
	}
	for _, n := range ns {
		a.Notices = append(a.Notices, hexbeat.Notice(n))
	}
	a.Start, a.End, a.CreatedAt = scanTime(start), scanTime(end), scanTime(created)
	if extOfficer.Valid {
		a.Extension = &hexbeat.Extension{Officer: extOfficer.String, Rank: extRank.String, End: scanTime(extEnd), At: scanTime(extAt), Reason: extReason.String}
	}
	if cancelledAt != nil {
		t := scanTime(cancelledAt)
		a.CancelledAt, a.CancelledBy, a.CancelReason = &t, cancelledBy.String, cancelReason.String
	}
	g, err := geojson.UnmarshalGeometry([]byte(area))
	if err != nil {
		return a, fmt.Errorf("store: authorisation %d area: %w", a.ID, err)
	}
	a.Area = g.Geometry()
	return a, nil
}

// Authorisation returns one authorisation, or ENOTFOUND.
func (s *Store) Authorisation(ctx context.Context, id int64) (hexbeat.Authorisation, error) {
	a, err := s.scanAuthorisation(s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT `+authorisationCols+` FROM authorisations WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, hexbeat.Errorf(hexbeat.ENOTFOUND, "no authorisation %d", id)
	}
	if err != nil {
		return a, fmt.Errorf("store: authorisation %d: %w", id, err)
	}
	return a, nil
}

// Authorisations returns every authorisation, newest start first.
func (s *Store) Authorisations(ctx context.Context) ([]hexbeat.Authorisation, error) {
	rows, err := s.db.QueryxContext(ctx, `SELECT `+authorisationCols+` FROM authorisations ORDER BY starts_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: authorisations: %w", err)
	}
	defer rows.Close()
	var out []hexbeat.Authorisation
	for rows.Next() {
		a, err := s.scanAuthorisation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: authorisations: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UpdateAuthorisation applies change to the stored authorisation inside one transaction
// (the row is read in it, so two concurrent extensions cannot both pass check), writes the
// extension and cancellation columns and the audit event.
func (s *Store) UpdateAuthorisation(ctx context.Context, id int64, change func(*hexbeat.Authorisation) error, ev hexbeat.AuditEvent) (hexbeat.Authorisation, error) {
	var a hexbeat.Authorisation
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		q := `SELECT ` + authorisationCols + ` FROM authorisations WHERE id = ?`
		if s.dialect == Postgres {
			q += ` FOR UPDATE` // SQLite transactions begin IMMEDIATE: they hold the write lock already
		}
		var err error
		a, err = s.scanAuthorisation(tx.QueryRowxContext(ctx, s.db.Rebind(q), id))
		if errors.Is(err, sql.ErrNoRows) {
			return hexbeat.Errorf(hexbeat.ENOTFOUND, "no authorisation %d", id)
		}
		if err != nil {
			return fmt.Errorf("store: authorisation %d: %w", id, err)
		}
		if err := change(&a); err != nil {
			return err
		}
		var extOfficer, extRank, extReason, cancelledBy, cancelReason any
		var extEnd, extAt, cancelledAt any
		if x := a.Extension; x != nil {
			extOfficer, extRank, extReason, extEnd, extAt = x.Officer, x.Rank, x.Reason, s.timeArg(x.End), s.timeArg(x.At)
		}
		if a.CancelledAt != nil {
			cancelledAt, cancelledBy, cancelReason = s.timeArg(*a.CancelledAt), a.CancelledBy, a.CancelReason
		}
		var infOfficer, infRank, infAt, infBy, infRecorded any
		if x := a.Informed; x != nil {
			infOfficer, infRank, infAt, infBy, infRecorded = x.Officer, x.Rank, s.timeArg(x.At), x.RecordedBy, s.timeArg(x.RecordedAt)
		}
		ns := make([]storedNotice, len(a.Notices))
		for i, n := range a.Notices {
			ns[i] = storedNotice(n)
		}
		notices, err := json.Marshal(ns)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE authorisations SET ext_officer = ?, ext_rank = ?, ext_ends_at = ?, ext_at = ?, ext_reason = ?,
			cancelled_at = ?, cancelled_by = ?, cancel_reason = ?, inf_officer = ?, inf_rank = ?, inf_at = ?, inf_recorded_by = ?,
			inf_recorded_at = ?, notices = ? WHERE id = ?`),
			extOfficer, extRank, extEnd, extAt, extReason, cancelledAt, cancelledBy, cancelReason,
			infOfficer, infRank, infAt, infBy, infRecorded, string(notices), id); err != nil {
			return fmt.Errorf("store: update authorisation %d: %w", id, err)
		}
		ev.Subject = fmt.Sprintf("authorisation/%d", id)
		return s.audit(ctx, tx, ev)
	})
	return a, err
}

// StopSearchCount counts the stop-and-search records in [from, to), with a location or not.
func (s *Store) StopSearchCount(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT count(*) FROM stop_searches WHERE occurred_at >= ? AND occurred_at < ?`), s.timeArg(from), s.timeArg(to)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: stop searches: %w", err)
	}
	return n, nil
}

// StopSearchesWithoutLocation counts the stop-and-search records in [from, to) that have no
// location, and those of them recorded under section 60: they cannot be placed inside or
// outside any area, and most police.uk records before 2024 have none.
func (s *Store) StopSearchesWithoutLocation(ctx context.Context, from, to time.Time) (all, section60 int, err error) {
	err = s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT count(*), coalesce(sum(CASE WHEN lower(legislation) LIKE '%section 60%' THEN 1 ELSE 0 END), 0)
		FROM stop_searches WHERE occurred_at >= ? AND occurred_at < ? AND (lon IS NULL OR lat IS NULL)`), s.timeArg(from), s.timeArg(to)).Scan(&all, &section60)
	if err != nil {
		err = fmt.Errorf("store: stop searches without a location: %w", err)
	}
	return all, section60, err
}

// StopSearches returns the stop-and-search records in [from, to) that have a location
// inside bound (the caller tests the exact polygon).
func (s *Store) StopSearches(ctx context.Context, from, to time.Time, bound orb.Bound) ([]hexbeat.StopSearch, error) {
	var out []hexbeat.StopSearch
	err := s.stopSearches(ctx, func(ss hexbeat.StopSearch) error { out = append(out, ss); return nil },
		` AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?`, s.timeArg(from), s.timeArg(to), bound.Min[0], bound.Max[0], bound.Min[1], bound.Max[1])
	return out, err
}

// EachStopSearch streams the stop-and-search records in [from, to), with a location or
// not, in time order, to fn; an error from fn stops it.
func (s *Store) EachStopSearch(ctx context.Context, from, to time.Time, fn func(hexbeat.StopSearch) error) error {
	return s.stopSearches(ctx, fn, "", s.timeArg(from), s.timeArg(to))
}

// stopSearches reads the records in a time window (the first two args) and cond.
func (s *Store) stopSearches(ctx context.Context, fn func(hexbeat.StopSearch) error, cond string, args ...any) error {
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(`SELECT occurred_at, lon, lat, type, operation, operation_name, gender, age_range,
		self_defined_ethnicity, officer_defined_ethnicity, legislation, object, outcome, outcome_linked, outer_clothing
		FROM stop_searches WHERE occurred_at >= ? AND occurred_at < ?`+cond+`
		ORDER BY occurred_at`), args...)
	if err != nil {
		return fmt.Errorf("store: stop searches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ss hexbeat.StopSearch
		var at any
		var op any
		var linked, outer sql.NullBool
		var lon, lat sql.NullFloat64
		if err := rows.Scan(&at, &lon, &lat, &ss.Type, &op, &ss.OperationName, &ss.Gender, &ss.AgeRange, &ss.SelfDefinedEthnicity,
			&ss.OfficerEthnicity, &ss.Legislation, &ss.Object, &ss.Outcome, &linked, &outer); err != nil {
			return fmt.Errorf("store: stop searches: %w", err)
		}
		ss.OccurredAt = scanTime(at)
		switch v := op.(type) {
		case bool:
			ss.Operation = v
		case int64:
			ss.Operation = v != 0
		}
		if lon.Valid && lat.Valid {
			ss.Lon, ss.Lat = &lon.Float64, &lat.Float64
		}
		if linked.Valid {
			ss.OutcomeLinked = &linked.Bool
		}
		if outer.Valid {
			ss.OuterClothing = &outer.Bool
		}
		if err := fn(ss); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RecordRetailerTest stores a test-purchase result and its audit event; ENOTFOUND when
// the retailer is not in the register.
func (s *Store) RecordRetailerTest(ctx context.Context, t hexbeat.RetailerTest, ev hexbeat.AuditEvent) (hexbeat.RetailerTest, error) {
	if t.RecordedAt.IsZero() {
		t.RecordedAt = time.Now().UTC()
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, s.db.Rebind(`SELECT count(*) FROM retailers WHERE id = ?`), t.RetailerID); err != nil {
			return fmt.Errorf("store: retailer %s: %w", t.RetailerID, err)
		}
		if n == 0 {
			return hexbeat.Errorf(hexbeat.ENOTFOUND, "no retailer %q in the register", t.RetailerID)
		}
		on := any(t.On.Unix())
		if s.dialect == Postgres {
			on = t.On.Format("2006-01-02")
		}
		if err := tx.QueryRowxContext(ctx, s.db.Rebind(`INSERT INTO retailer_tests (retailer_id, tested_on, result, notes, recorded_at, recorded_by)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), t.RetailerID, on, t.Result, t.Notes, s.timeArg(t.RecordedAt), t.RecordedBy).Scan(&t.ID); err != nil {
			return fmt.Errorf("store: record test: %w", err)
		}
		ev.Subject = fmt.Sprintf("retailer/%s/test/%d", t.RetailerID, t.ID)
		return s.audit(ctx, tx, ev)
	})
	return t, err
}

// RetailerTests returns every recorded test, by retailer, oldest first.
func (s *Store) RetailerTests(ctx context.Context) (map[string][]hexbeat.RetailerTest, error) {
	rows, err := s.db.QueryxContext(ctx, `SELECT id, retailer_id, tested_on, result, notes, recorded_at, recorded_by FROM retailer_tests ORDER BY tested_on, id`)
	if err != nil {
		return nil, fmt.Errorf("store: retailer tests: %w", err)
	}
	defer rows.Close()
	out := map[string][]hexbeat.RetailerTest{}
	for rows.Next() {
		var t hexbeat.RetailerTest
		var on, at any
		if err := rows.Scan(&t.ID, &t.RetailerID, &on, &t.Result, &t.Notes, &at, &t.RecordedBy); err != nil {
			return nil, fmt.Errorf("store: retailer tests: %w", err)
		}
		t.On, t.RecordedAt = scanTime(on), scanTime(at)
		out[t.RetailerID] = append(out[t.RetailerID], t)
	}
	return out, rows.Err()
}
