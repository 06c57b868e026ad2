package main

// A minimal kubelet endpoint: the API server serves `pods/log` by calling the kubelet of the pod's node at
// https://<InternalIP>:<daemonEndpoints.kubeletEndpoint.Port>/containerLogs/<ns>/<pod>/<container>. This one
// answers from fixture logs, and refuses as the kubelet does (same status codes and messages) when there is
// nothing to show.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

type logKey struct {
	namespace, pod, container string
	previous                  bool
}

type logStore struct {
	mu   sync.Mutex
	logs map[logKey]string
}

func (s *logStore) set(k logKey, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs[k] = text
}

func (s *logStore) get(k logKey) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.logs[k]
	return t, ok
}

type kubelet struct {
	store  *logStore
	client kubernetes.Interface
}

// serveKubelet listens on 127.0.0.1 with the kubelet's serving certificate and asks the API server for a client
// certificate signed by the CA, as a kubelet with client-ca-file does.
func serveKubelet(k *kubelet, caPEM []byte, certFile, keyFile string) (net.Listener, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/containerLogs/", k.containerLogs)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientCAs:    pool,
			ClientAuth:   tls.RequireAndVerifyClientCert,
			MinVersion:   tls.VersionTLS12,
		},
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return ln, nil
}

func (k *kubelet) containerLogs(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		http.Error(w, `{"message": "Missing podID."}`, http.StatusBadRequest)
		return
	}
	ns, podName, container := parts[0], parts[1], parts[2]
	q := r.URL.Query()
	previous := q.Get("previous") == "true"
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	pod, err := k.client.CoreV1().Pods(ns).Get(ctx, podName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		http.Error(w, fmt.Sprintf("pod %q does not exist", podName), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !hasContainer(pod, container) {
		http.Error(w, fmt.Sprintf("container %q not found in pod %q", container, podName), http.StatusNotFound)
		return
	}
	if err := validateContainerLogStatus(podName, &pod.Status, container, previous); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	text, _ := k.store.get(logKey{ns, podName, container, previous})
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(shapeLog(text, q)))
}

func hasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

func statusOf(statuses []corev1.ContainerStatus, name string) (corev1.ContainerStatus, bool) {
	for _, s := range statuses {
		if s.Name == name {
			return s, true
		}
	}
	return corev1.ContainerStatus{}, false
}

// validateContainerLogStatus follows the kubelet's own (pkg/kubelet/kubelet_pods.go): which container instance
// has logs, or the error the kubelet gives when none has.
func validateContainerLogStatus(podName string, podStatus *corev1.PodStatus, containerName string, previous bool) error {
	cStatus, found := statusOf(podStatus.ContainerStatuses, containerName)
	if !found {
		cStatus, found = statusOf(podStatus.InitContainerStatuses, containerName)
	}
	if !found {
		cStatus, found = statusOf(podStatus.EphemeralContainerStatuses, containerName)
	}
	if !found {
		return fmt.Errorf("container %q in pod %q is not available", containerName, podName)
	}
	lastState := cStatus.LastTerminationState
	waiting, running, terminated := cStatus.State.Waiting, cStatus.State.Running, cStatus.State.Terminated
	switch {
	case previous:
		if lastState.Terminated == nil || lastState.Terminated.ContainerID == "" {
			return fmt.Errorf("previous terminated container %q in pod %q not found", containerName, podName)
		}
	case running != nil:
	case terminated != nil:
		if terminated.ContainerID == "" && (lastState.Terminated == nil || lastState.Terminated.ContainerID == "") {
			return fmt.Errorf("container %q in pod %q is terminated", containerName, podName)
		}
	case lastState.Terminated != nil:
		if lastState.Terminated.ContainerID == "" {
			return fmt.Errorf("container %q in pod %q is terminated", containerName, podName)
		}
	case waiting != nil:
		switch waiting.Reason {
		case "ErrImagePull":
			return fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", containerName, podName)
		case "ImagePullBackOff":
			return fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", containerName, podName)
		default:
			return fmt.Errorf("container %q in pod %q is waiting to start: %v", containerName, podName, waiting.Reason)
		}
	default:
		return fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", containerName, podName)
	}
	return nil
}

// shapeLog applies tailLines, timestamps and limitBytes as the kubelet does; fixture lines carry their own times,
// so `timestamps` prefixes the time of the request.
func shapeLog(text string, q map[string][]string) string {
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if v := first(q, "tailLines"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < len(lines) {
			lines = lines[len(lines)-n:]
		}
	}
	if first(q, "timestamps") == "true" {
		at := time.Now().UTC().Format(time.RFC3339Nano)
		for i, l := range lines {
			lines[i] = at + " " + l
		}
	}
	out := ""
	if len(lines) > 0 {
		out = strings.Join(lines, "\n") + "\n"
	}
	if v := first(q, "limitBytes"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < len(out) {
			out = out[:n]
		}
	}
	return out
}

func first(q map[string][]string, key string) string {
	if v := q[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
