# promtool: the Prometheus exporter tests (test/e2e/prometheus_test.go)
# check hawser's exposition output with "promtool check metrics".
# Debian ships it in the prometheus package.
apt_need prometheus
