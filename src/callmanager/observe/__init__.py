"""What the service tells its operators: one observation per request (`requests`), turned into
a log line (`request_log`) and Prometheus figures (`metrics`, served by `exposition`)."""
