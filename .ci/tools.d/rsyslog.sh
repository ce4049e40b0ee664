# rsyslog: the log-forward interop test (test/e2e/logforward_test.go) runs
# rsyslogd in the foreground as a syslog peer on both sides of hawser.
apt_need rsyslog
