// pitfall-cluster: a real kube-apiserver (k8s.io/kubernetes cmd/kube-apiserver/app) and an embedded etcd in one
// process, on 127.0.0.1 and random ports, for pitfall's tests against the real API server.
//
// It generates certificates, a service-account signing key and a token file, writes an admin kubeconfig, and
// prints one JSON line on stdout when /readyz answers ok:
//
//	{"kubeconfig":"…","url":"https://127.0.0.1:…","etcd":"http://127.0.0.1:…","control":"http://127.0.0.1:…",
//	 "kubeletPort":…,"dir":"…","version":"v1.34.4"}
//
// The control endpoint (plain HTTP on 127.0.0.1): POST /compact compacts etcd at its current revision;
// POST /backdate {"<uid>": "<RFC 3339>"} sets creationTimestamps in etcd (clients cannot);
// PUT /logs/<ns>/<pod>/<container>[?previous=true] sets the log the kubelet endpoint serves.
// It stops on SIGINT/SIGTERM or when its stdin closes (so it never outlives the test run that started it).
// Arguments after `--` go to kube-apiserver as they are (e.g. `-- --watch-cache=false`).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

type ready struct {
	Kubeconfig  string `json:"kubeconfig"`
	URL         string `json:"url"`
	Etcd        string `json:"etcd"`
	Control     string `json:"control"`
	KubeletPort int    `json:"kubeletPort"`
	Dir         string `json:"dir"`
	Version     string `json:"version"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pitfall-cluster: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	dirFlag := flag.String("dir", "", "working folder for etcd data, certificates and the kubeconfig (default: a new temporary folder, removed at exit)")
	flag.Parse()
	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("", "pitfall-cluster-")
		if err != nil {
			return err
		}
		dir = d
		defer os.RemoveAll(d)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}

	adminToken := randomToken()
	f, ca, err := writeCredentials(dir, adminToken)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	etcd, etcdURL, err := startEtcd(dir)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer etcd.Close()

	port, err := freePort()
	if err != nil {
		return err
	}
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	restConfig := &rest.Config{
		Host:            url,
		BearerToken:     adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca.pem},
		QPS:             -1,
	}
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	logs := &logStore{logs: map[logKey]string{}}
	kubeletLn, err := serveKubelet(&kubelet{store: logs, client: client}, ca.pem, f.kubeletCert, f.kubeletKey)
	if err != nil {
		return fmt.Errorf("kubelet endpoint: %w", err)
	}
	controlURL, err := serveControl(logs, etcdURL)
	if err != nil {
		return fmt.Errorf("control endpoint: %w", err)
	}

	args := []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + filepath.Join(dir, "generated"),
		"--tls-cert-file=" + f.serverCert,
		"--tls-private-key-file=" + f.serverKey,
		"--client-ca-file=" + f.caCert,
		"--token-auth-file=" + f.tokens,
		"--authorization-mode=RBAC",
		"--etcd-servers=" + etcdURL,
		// Compaction only when a test asks for it (POST /compact), never on a timer in the middle of a test.
		"--etcd-compaction-interval=0",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + f.saPub,
		"--service-account-signing-key-file=" + f.saKey,
		// k3s's service range, so the `kubernetes` Service is 10.43.0.1 as on the clusters the fixtures show.
		"--service-cluster-ip-range=10.43.0.0/16",
		"--allow-privileged=true",
		// The endpoint reconciler refuses a loopback address; the kubernetes Endpoints are not needed here.
		"--endpoint-reconciler-type=none",
		"--kubelet-certificate-authority=" + f.caCert,
		"--kubelet-client-certificate=" + f.clientCert,
		"--kubelet-client-key=" + f.clientKey,
		"--kubelet-preferred-address-types=InternalIP",
		"--profiling=false",
	}
	args = append(args, flag.Args()...)
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	stopped := make(chan error, 1)
	go func() { stopped <- cmd.Execute() }()

	if err := waitReady(url, adminToken, ca.pem, stopped); err != nil {
		return err
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, url, ca.pem, adminToken); err != nil {
		return err
	}
	line, _ := json.Marshal(ready{
		Kubeconfig:  kubeconfig,
		URL:         url,
		Etcd:        etcdURL,
		Control:     controlURL,
		KubeletPort: kubeletLn.Addr().(*net.TCPAddr).Port,
		Dir:         dir,
		Version:     version.Get().GitVersion,
	})
	fmt.Println(string(line))

	// Stdin closing means the test run that started us is gone: stop as on SIGTERM.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	select {
	case err := <-stopped:
		return err
	case <-time.After(24 * time.Hour):
		return fmt.Errorf("ran for 24 hours; stopping")
	}
}

func waitReady(url, token string, caPEM []byte, stopped <-chan error) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-stopped:
			return fmt.Errorf("kube-apiserver stopped before it was ready: %v", err)
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, url+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if res, err := c.Do(req); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("kube-apiserver was not ready within 3 minutes")
}

func writeKubeconfig(path, url string, caPEM []byte, token string) error {
	text := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: pitfall-cluster
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: pitfall-cluster
  context:
    cluster: pitfall-cluster
    user: admin
current-context: pitfall-cluster
`, url, base64.StdEncoding.EncodeToString(caPEM), token)
	return os.WriteFile(path, []byte(text), 0o600)
}

func serveControl(logs *logStore, etcdURL string) (string, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /compact", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		rev, err := compact(ctx, etcdURL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{"revision": rev})
	})
	mux.HandleFunc("POST /backdate", func(w http.ResponseWriter, r *http.Request) {
		var times map[string]string
		if err := json.NewDecoder(r.Body).Decode(&times); err != nil {
			http.Error(w, "the body is a JSON object of uid: RFC 3339 time: "+err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		n, err := backdate(ctx, etcdURL, times)
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"changed": n})
	})
	mux.HandleFunc("PUT /logs/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		logs.set(logKey{r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container"), r.URL.Query().Get("previous") == "true"}, string(body))
		w.WriteHeader(http.StatusNoContent)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}
