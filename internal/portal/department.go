package portal

// Department is a förvaltning: an administrative department that owns systems.
type Department struct {
	ID        int64  `db:"id"`
	Name      string `db:"name"`
	ShortName string `db:"short_name"`
	Active    bool   `db:"active"`
}
