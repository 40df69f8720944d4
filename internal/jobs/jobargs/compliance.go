package jobargs

// ComplianceRecompute recomputes the compliance board's kept breaches for
// everything: the whole board (midnight, when due dates and role periods
// move, and at start to repair drift) or, with Clock, only the checks the
// clock alone changes within a day (every few minutes).
type ComplianceRecompute struct {
	Clock bool `json:"clock,omitempty"`
}

// Kind is River's name for the job.
func (ComplianceRecompute) Kind() string { return "compliance_recompute" }

// ContractReminders reminds of the contracts' notice and option deadlines
// at the configured offsets, once per contract, deadline and offset.
type ContractReminders struct{}

// Kind names the job kind.
func (ContractReminders) Kind() string { return "contract_reminders" }
