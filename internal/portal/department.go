package portal

// Department is a förvaltning: an administrative department that owns systems.
type Department struct {
	ID        int64
	Name      string
	ShortName string
	Active    bool
}
