"""What people at the desk see and do: the case read models (queries), who may do what now (ownership), decisions
on a plan, the owner's actions on an escalated case, and assign / escalate / note."""
