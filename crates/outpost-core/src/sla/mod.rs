//! The SLA engine: business calendars, policies, clocks replayed from a
//! ticket's history, at-risk thresholds, next state change and explanations.
//! (Filled in by the SLA issue.)
