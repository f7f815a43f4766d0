// Package pb holds the generated gRPC code for the discovery protocol.
//
// Regenerate with `go generate ./plugins/sdk/pb`. It needs protoc (Debian's
// protobuf-compiler, libprotoc 3.21.12); the Go generators are pinned as
// tools in go.mod (protoc-gen-go v1.36.12, protoc-gen-go-grpc v1.6.2).
package pb

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) --go_out=paths=source_relative:. --go-grpc_out=paths=source_relative:. discovery.proto"
