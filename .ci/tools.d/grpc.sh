# gRPC interop server and client (test/e2e/grpc_test.go), installed from
# the grpc-go module under names that say what they are. Built as
# programs rather than imported: the interop package pulls in xDS, OAuth2
# and cloud metadata modules that hawser's go.mod has no use for.
if ! command -v grpc-interop-server >/dev/null || ! command -v grpc-interop-client >/dev/null; then
  _gobin=$(mktemp -d)
  GOBIN=$_gobin go install google.golang.org/grpc/interop/server@v1.85.0 google.golang.org/grpc/interop/client@v1.85.0
  mkdir -p "$(go env GOPATH)/bin"
  cp "$_gobin/server" "$(go env GOPATH)/bin/grpc-interop-server"
  cp "$_gobin/client" "$(go env GOPATH)/bin/grpc-interop-client"
  rm -rf "$_gobin"
fi
