package jobargs

// EvaluationReminders tells administrators whose systems' evaluations are
// due within 30 days or overdue (R12), once per system, due date and kind.
type EvaluationReminders struct{}

// Kind names the job kind.
func (EvaluationReminders) Kind() string { return "evaluation_reminders" }
