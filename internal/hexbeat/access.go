package hexbeat

import (
	"slices"
	"time"
)

// Role is what an API key may do.
type Role string

// The roles (docs/architecture.md, "Security"). Each includes the viewer's reading; admin includes everything.
const (
	RoleViewer           Role = "viewer"            // read layers
	RoleAnalyst          Role = "analyst"           // + import, export, analyses that write nothing
	RoleTradingStandards Role = "trading-standards" // + the retailer register and test purchases
	RoleCommander        Role = "commander"         // + Section 60 proposals and the register
	RoleAdmin            Role = "admin"             // + keys and the audit log
)

// Roles lists the roles, least first.
var Roles = []Role{RoleViewer, RoleAnalyst, RoleTradingStandards, RoleCommander, RoleAdmin}

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool { return slices.Contains(Roles, r) }

// Permission is one thing a route needs.
type Permission string

// The permissions routes ask for.
const (
	PermRead      Permission = "read"      // layers, boundaries, analyses, the Section 60 register and its scrutiny
	PermImport    Permission = "import"    // write incident data
	PermExport    Permission = "export"    // downloads of layers
	PermRetailers Permission = "retailers" // the retailer register, test results, targets
	PermSection60 Permission = "section60" // proposals; recording, extending and cancelling authorisations
	PermCameras   Permission = "cameras"   // camera plans
	PermRegister  Permission = "register"  // downloads of the Section 60 register (an analyst's, as every download, and the commander's own)
	PermAdmin     Permission = "admin"     // keys, audit log
)

// Permissions lists every permission, in the order of the table above.
var Permissions = []Permission{PermRead, PermImport, PermExport, PermRetailers, PermSection60, PermCameras, PermRegister, PermAdmin}

var grants = map[Role][]Permission{
	RoleViewer:           {PermRead},
	RoleAnalyst:          {PermRead, PermImport, PermExport, PermCameras, PermRegister},
	RoleTradingStandards: {PermRead, PermRetailers},
	RoleCommander:        {PermRead, PermSection60, PermCameras, PermRegister},
}

// Allows reports whether a role holds a permission.
func (r Role) Allows(p Permission) bool {
	if r == RoleAdmin {
		return true
	}
	return slices.Contains(grants[r], p)
}

// APIKey is a stored key: the secret itself is never stored, only its SHA-256.
type APIKey struct {
	ID        int64
	Name      string
	Role      Role
	Prefix    string // the first characters of the key, to recognise it in lists
	CreatedAt time.Time
	CreatedBy string
	RevokedAt *time.Time
}
