-- The reminder job finds the rejections of hour figures made since its window began, to
-- tell the contractor once per rejection (templates/email/hours_rejected).
CREATE INDEX hour_entry_changes_action_at ON hour_entry_changes(action, at);
