package main

// Certificates and keys generated at start: one CA signs the API server's serving certificate, the kubelet
// endpoint's serving certificate and the API server's client certificate towards the kubelet.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// files are the paths the API server and the kubelet endpoint read.
type files struct {
	caCert, serverCert, serverKey, kubeletCert, kubeletKey, clientCert, clientKey, saKey, saPub, tokens string
}

func newSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	return n
}

func newAuthority() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		Subject:               pkix.Name{CommonName: "pitfall-cluster-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// issue signs a leaf certificate; with ips it is a serving certificate, else a client certificate.
func (a *authority) issue(cn string, orgs []string, ips []net.IP, dns []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if len(ips) > 0 || len(dns) > 0 {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  usage,
		IPAddresses:  ips,
		DNSNames:     dns,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

func writeFile(path string, data []byte) error {
	return os.WriteFile(path, data, 0o600)
}

// writeCredentials writes every certificate, the service-account key pair and the token file into dir.
func writeCredentials(dir, adminToken string) (*files, *authority, error) {
	ca, err := newAuthority()
	if err != nil {
		return nil, nil, err
	}
	f := &files{
		caCert:      filepath.Join(dir, "ca.crt"),
		serverCert:  filepath.Join(dir, "apiserver.crt"),
		serverKey:   filepath.Join(dir, "apiserver.key"),
		kubeletCert: filepath.Join(dir, "kubelet.crt"),
		kubeletKey:  filepath.Join(dir, "kubelet.key"),
		clientCert:  filepath.Join(dir, "apiserver-kubelet-client.crt"),
		clientKey:   filepath.Join(dir, "apiserver-kubelet-client.key"),
		saKey:       filepath.Join(dir, "sa.key"),
		saPub:       filepath.Join(dir, "sa.pub"),
		tokens:      filepath.Join(dir, "tokens.csv"),
	}
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	serverIPs := append(loopback, net.ParseIP("10.43.0.1"))
	serverDNS := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	type leaf struct {
		cert, key string
		cn        string
		orgs      []string
		ips       []net.IP
		dns       []string
	}
	leaves := []leaf{
		{f.serverCert, f.serverKey, "kube-apiserver", nil, serverIPs, serverDNS},
		{f.kubeletCert, f.kubeletKey, "kubelet", nil, loopback, []string{"localhost"}},
		{f.clientCert, f.clientKey, "kube-apiserver-kubelet-client", []string{"system:masters"}, nil, nil},
	}
	if err := writeFile(f.caCert, ca.pem); err != nil {
		return nil, nil, err
	}
	for _, l := range leaves {
		certPEM, keyPEM, err := ca.issue(l.cn, l.orgs, l.ips, l.dns)
		if err != nil {
			return nil, nil, fmt.Errorf("certificate for %s: %w", l.cn, err)
		}
		if err := writeFile(l.cert, certPEM); err != nil {
			return nil, nil, err
		}
		if err := writeFile(l.key, keyPEM); err != nil {
			return nil, nil, err
		}
	}
	// Service-account tokens (TokenRequest, `kubectl create token`) are signed with this key.
	sa, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	if err := writeFile(f.saKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(sa)})); err != nil {
		return nil, nil, err
	}
	if err := writeFile(f.saPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})); err != nil {
		return nil, nil, err
	}
	// token,user,uid,"group1,group2": the admin is in system:masters, which RBAC always allows.
	if err := writeFile(f.tokens, []byte(adminToken+",admin,admin-uid,\"system:masters\"\n")); err != nil {
		return nil, nil, err
	}
	return f, ca, nil
}

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%x", b)
}
