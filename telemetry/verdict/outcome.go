package verdict

// Outcome is a verdict's one-word result.
type Outcome string

// The outcomes, from worst to best (the order of the rules in doc.go).
const (
	OutcomeICEFailed   Outcome = "ice-failed"
	OutcomeDTLSFailed  Outcome = "dtls-failed"
	OutcomeNoMedia     Outcome = "no-media"
	OutcomeDropped     Outcome = "dropped"
	OutcomeOneWay      Outcome = "one-way"
	OutcomePoorQuality Outcome = "poor-quality"
	OutcomeOK          Outcome = "ok"
)

// Outcomes lists every outcome, worst first: the label values of
// argus_session_outcomes_total.
func Outcomes() []Outcome {
	return []Outcome{
		OutcomeICEFailed, OutcomeDTLSFailed, OutcomeNoMedia, OutcomeDropped,
		OutcomeOneWay, OutcomePoorQuality, OutcomeOK,
	}
}

// rank orders outcomes: lower is worse.
func (o Outcome) rank() int {
	for i, x := range Outcomes() {
		if x == o {
			return i
		}
	}
	return len(Outcomes())
}

// worse returns the worse of a and b.
func worse(a, b Outcome) Outcome {
	if b.rank() < a.rank() {
		return b
	}
	return a
}
