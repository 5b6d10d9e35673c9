-- The tables a 主题党日 burst writes have their planner statistics gathered at night by the
-- server's timer (`app::db::refresh_statistics`), not by autovacuum in the middle of the
-- burst. A burst that grows them by a tenth sets off autovacuum's ANALYZE of them, and at
-- 1,000 check-ins a second the second after it waited 55–250 ms (p50; 3 ms otherwise),
-- although the ANALYZE itself took under 0.1 s of CPU. Autovacuum still vacuums them.
ALTER TABLE attendance SET (autovacuum_analyze_threshold = 2147483647, autovacuum_analyze_scale_factor = 0);
ALTER TABLE applied_ops SET (autovacuum_analyze_threshold = 2147483647, autovacuum_analyze_scale_factor = 0);
ALTER TABLE meeting_expected SET (autovacuum_analyze_threshold = 2147483647, autovacuum_analyze_scale_factor = 0);
ALTER TABLE meetings SET (autovacuum_analyze_threshold = 2147483647, autovacuum_analyze_scale_factor = 0);
ALTER TABLE checkin_refusals SET (autovacuum_analyze_threshold = 2147483647, autovacuum_analyze_scale_factor = 0);
ALTER TABLE sessions SET (autovacuum_analyze_threshold = 2147483647, autovacuum_analyze_scale_factor = 0);
