package main

// Backdating: a client cannot set metadata.creationTimestamp (the API server stamps the time of the create), but
// fixtures say "created 30 days ago" or "10 seconds ago", and detectors read ages. The harness rewrites the stored
// objects in etcd as a cluster that has been running would hold them; the API server sees the change through its
// etcd watch (a MODIFIED event and a new resourceVersion), as after any write.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
)

// protobufPrefix starts every object the API server stores in protobuf; custom resources are stored as JSON.
var protobufPrefix = []byte("k8s\x00")

// backdate sets creationTimestamp on the stored objects whose uid is a key of times (RFC 3339 values); it
// returns how many it changed.
func backdate(ctx context.Context, endpoint string, times map[string]string) (int, error) {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	res, err := c.Get(ctx, "/registry/", clientv3.WithPrefix())
	if err != nil {
		return 0, err
	}
	codec := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)
	changed := 0
	for _, kv := range res.Kvs {
		var out []byte
		if bytes.HasPrefix(kv.Value, protobufPrefix) {
			obj, _, err := codec.Decode(kv.Value, nil, nil)
			if err != nil {
				continue // a type this program does not know; fixtures do not hold it
			}
			m, err := meta.Accessor(obj)
			if err != nil {
				continue
			}
			at, ok := times[string(m.GetUID())]
			if !ok {
				continue
			}
			t, err := time.Parse(time.RFC3339, at)
			if err != nil {
				return changed, fmt.Errorf("uid %s: %q is not an RFC 3339 time", m.GetUID(), at)
			}
			m.SetCreationTimestamp(metav1.NewTime(t))
			var buf bytes.Buffer
			if err := codec.Encode(obj, &buf); err != nil {
				return changed, err
			}
			out = buf.Bytes()
		} else {
			var obj map[string]any
			if json.Unmarshal(kv.Value, &obj) != nil {
				continue
			}
			md, _ := obj["metadata"].(map[string]any)
			uid, _ := md["uid"].(string)
			at, ok := times[uid]
			if md == nil || !ok {
				continue
			}
			md["creationTimestamp"] = at
			if out, err = json.Marshal(obj); err != nil {
				return changed, err
			}
		}
		// Only if nobody wrote the object since it was read; an event keeps its lease (events expire).
		put := clientv3.OpPut(string(kv.Key), string(out))
		if kv.Lease != 0 {
			put = clientv3.OpPut(string(kv.Key), string(out), clientv3.WithLease(clientv3.LeaseID(kv.Lease)))
		}
		txn, err := c.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(string(kv.Key)), "=", kv.ModRevision)).Then(put).Commit()
		if err != nil {
			return changed, err
		}
		if !txn.Succeeded {
			return changed, fmt.Errorf("%s changed while it was backdated; try again", kv.Key)
		}
		changed++
	}
	return changed, nil
}
