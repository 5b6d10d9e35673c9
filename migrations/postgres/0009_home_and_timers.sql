-- A member's home reads their own leave; a secretary's counts what waits.
CREATE INDEX leave_requests_user ON leave_requests(user_id, status);
CREATE INDEX leave_requests_status ON leave_requests(status, meeting_id);

-- Periodic work (freeze 应到, attendance points, wishes, old login attempts) runs once per
-- tick however many servers share the database: a server runs a tick only if it inserted
-- its row. Rows older than a day are forgotten by the same work.
CREATE TABLE timer_ticks (
    name TEXT NOT NULL,
    tick BIGINT NOT NULL,
    holder TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (name, tick)
);
