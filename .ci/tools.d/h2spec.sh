# h2spec: HTTP/2 conformance suite run against hawser's h2c bind
# (test/e2e TestH2Spec).
command -v h2spec >/dev/null || [ -x "$HOME/go/bin/h2spec" ] || go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible
