package sdk

import (
	"context"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/sdk/pb"
)

// server adapts a Discoverer to the generated gRPC server interface.
type server struct {
	pb.UnimplementedDiscoveryServer
	impl Discoverer
}

func (s *server) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	d, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, err
	}
	return &pb.DescribeResponse{Name: d.Name, Version: d.Version, Summary: d.Summary}, nil
}

func (s *server) Discover(ctx context.Context, req *pb.DiscoverRequest) (*pb.DiscoverResponse, error) {
	res, err := s.impl.Discover(ctx, DiscoverRequest{Request: req.GetRequest(), Cwd: req.GetCwd(), Env: req.GetEnv()})
	if err != nil {
		return nil, err
	}
	out := &pb.DiscoverResponse{Watch: res.Watch, Warnings: res.Warnings}
	for i := range res.Candidates {
		out.Candidates = append(out.Candidates, toPB(&res.Candidates[i]))
	}
	return out, nil
}

func (s *server) Unwrap(ctx context.Context, req *pb.UnwrapRequest) (*pb.UnwrapResponse, error) {
	in, known, err := s.impl.Unwrap(ctx, req.GetPath(), req.GetEnv())
	if err != nil {
		return nil, err
	}
	if !known {
		return &pb.UnwrapResponse{}, nil
	}
	return &pb.UnwrapResponse{Interpreter: toPB(&in), Known: true}, nil
}

// Client is the host's view of a running plugin; it implements Discoverer.
type Client struct {
	rpc pb.DiscoveryClient
}

// Describe implements Discoverer.
func (c *Client) Describe(ctx context.Context) (Description, error) {
	r, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return Description{}, err
	}
	return Description{Name: r.GetName(), Version: r.GetVersion(), Summary: r.GetSummary()}, nil
}

// Discover implements Discoverer.
func (c *Client) Discover(ctx context.Context, req DiscoverRequest) (DiscoverResult, error) {
	r, err := c.rpc.Discover(ctx, &pb.DiscoverRequest{Request: req.Request, Cwd: req.Cwd, Env: req.Env})
	if err != nil {
		return DiscoverResult{}, err
	}
	res := DiscoverResult{Watch: r.GetWatch(), Warnings: r.GetWarnings()}
	for _, c := range r.GetCandidates() {
		res.Candidates = append(res.Candidates, fromPB(c))
	}
	return res, nil
}

// Unwrap implements Discoverer.
func (c *Client) Unwrap(ctx context.Context, path string, env map[string]string) (Interpreter, bool, error) {
	r, err := c.rpc.Unwrap(ctx, &pb.UnwrapRequest{Path: path, Env: env})
	if err != nil || !r.GetKnown() {
		return Interpreter{}, false, err
	}
	return fromPB(r.GetInterpreter()), true, nil
}

// opKinds pairs each model operation with its wire form.
func opKinds() []struct {
	model interp.EnvOpKind
	wire  pb.EnvOp_Kind
} {
	return []struct {
		model interp.EnvOpKind
		wire  pb.EnvOp_Kind
	}{
		{interp.EnvSet, pb.EnvOp_SET},
		{interp.EnvSetDefault, pb.EnvOp_SET_DEFAULT},
		{interp.EnvUnset, pb.EnvOp_UNSET},
		{interp.EnvPrefix, pb.EnvOp_PREFIX},
		{interp.EnvSuffix, pb.EnvOp_SUFFIX},
	}
}

func opToPB(k interp.EnvOpKind) pb.EnvOp_Kind {
	for _, p := range opKinds() {
		if p.model == k {
			return p.wire
		}
	}
	return pb.EnvOp_SET
}

func opFromPB(k pb.EnvOp_Kind) interp.EnvOpKind {
	for _, p := range opKinds() {
		if p.wire == k {
			return p.model
		}
	}
	return interp.EnvSet
}

func toPB(in *Interpreter) *pb.Interpreter {
	out := &pb.Interpreter{
		Path: in.Path, Exe: in.Exe, Argv0: in.Argv0, Args: in.Args, Chdir: in.Chdir,
		Version: in.Version, Implementation: in.Implementation, Kind: string(in.Kind),
		Source: in.Source, Wraps: in.Wraps, Prefix: in.Prefix, BasePrefix: in.BasePrefix,
		Names: in.Names, Note: in.Note,
	}
	for _, op := range in.Env {
		out.Env = append(out.Env, &pb.EnvOp{Kind: opToPB(op.Op), Name: op.Name, Value: op.Value, Sep: op.Sep})
	}
	return out
}

func fromPB(p *pb.Interpreter) Interpreter {
	in := Interpreter{
		Path: p.GetPath(), Exe: p.GetExe(), Argv0: p.GetArgv0(), Args: p.GetArgs(), Chdir: p.GetChdir(),
		Version: p.GetVersion(), Implementation: p.GetImplementation(), Kind: interp.Kind(p.GetKind()),
		Source: p.GetSource(), Wraps: p.GetWraps(), Prefix: p.GetPrefix(), BasePrefix: p.GetBasePrefix(),
		Names: p.GetNames(), Note: p.GetNote(),
	}
	for _, op := range p.GetEnv() {
		in.Env = append(in.Env, interp.EnvOp{Op: opFromPB(op.GetKind()), Name: op.GetName(), Value: op.GetValue(), Sep: op.GetSep()})
	}
	return in
}
