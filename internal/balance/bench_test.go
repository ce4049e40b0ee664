package balance

import (
	"context"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
)

func BenchmarkAcquireRelease(b *testing.B) {
	for _, algo := range []string{"roundrobin", "leastconn", "random", "first"} {
		b.Run(algo, func(b *testing.B) {
			p := newPool(b, config.Balance{Algorithm: algo}, Options{},
				srv("a", 1), srv("b", 1), srv("c", 2), srv("d", 1, maxconn(100)))
			ctx := context.Background()
			s := &req{uri: "/"}
			b.ReportAllocs()
			for b.Loop() {
				sv, err := p.Acquire(ctx, s)
				if err != nil {
					b.Fatal(err)
				}
				p.Release(sv)
			}
		})
	}
}

func BenchmarkAcquireReleaseParallel(b *testing.B) {
	for _, algo := range []string{"roundrobin", "leastconn"} {
		b.Run(algo, func(b *testing.B) {
			p := newPool(b, config.Balance{Algorithm: algo}, Options{},
				srv("a", 1), srv("b", 1), srv("c", 2), srv("d", 1))
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				s := &req{uri: "/"}
				for pb.Next() {
					sv, err := p.Acquire(ctx, s)
					if err != nil {
						b.Error(err)
						return
					}
					p.Release(sv)
				}
			})
		})
	}
}
