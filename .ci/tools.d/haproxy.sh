# Debian's haproxy: the runtime API golden tests compare hawser's answers
# with a real HAProxy's (test/e2e/runtimeapi_golden_test.go).
apt_need haproxy
