package postgres

import "context"

// RuleCounts is the number of breaches per rule on the whole board (for
// the metrics), from the same cached computation the pages use. Every
// rule is present, with 0 when it holds.
func (s *ComplianceService) RuleCounts(ctx context.Context) (map[string]int, error) {
	data, err := s.board(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range ComplianceRules {
		out[r.ID] = 0
	}
	for _, b := range data.breaches {
		out[b.Rule]++
	}
	return out, nil
}
