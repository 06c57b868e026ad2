// Shared by the reader and lint equality tests.

/** A multi-document stream with what Kubernetes YAML holds in the wild, and some of what it should not. */
export const TRICKY = `# a comment before the first marker
# Source: before-the-marker/is-not-helm.yaml
---
# Source: chart/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata: &meta
  name: web
  labels: &labels {app: web}
spec:
  template:
    metadata:
      labels:
        <<: *labels
        tier: front
    spec:
      serviceAccountName: web
      containers:
      - name: app
        image: nginx
        ports: [{containerPort: 80}]
        env:
        - {name: A, value: "yes"}
        - name: B
          value: yes
        - name: C
          value: 0644
        - name: D
          value: 1_000
        - name: E
          value: 2001-12-14
        - name: F
          value: 1:30
        - name: G
          value: on
        - name: H
          value: ~
        - name: I
          value: 0x1F
        - name: J
          value: .inf
        - name: K
          value: 1e3
        - name: L
          value: 0b101
        - name: M
          value: -0.5
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
...
# between documents
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dup
data:
  a: 1
  a: 2
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: quoted
  "annotations": {'x': "y"}
data:
  script: |
    #!/bin/sh
    echo "a: b"
    - not an item
  folded: >
    text
    more
  multi: "line one
    line two"
  yes: no
---
apiVersion: v1
kind: Secret   # comment after
metadata: {name: s}
stringData:
  password: hunter2
---
{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flow-doc"}}
---
apiVersion: v1
kind: Pod
metadata:
  name: spaced
spec:
  containers:
  -   name: wide
      image: x
  -
    name: below
    image: y
    args: ["a",
      "b"]
---
bad: [unclosed
---
a: *undefined
---
~: null key
apiVersion: v1
kind: ConfigMap
metadata: {name: null-key}
---
? explicit
: key
apiVersion: v1
kind: ConfigMap
metadata: {name: explicit-key}
---
--- !!map
apiVersion: v1
kind: ConfigMap
metadata: {name: tagged-root}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: laughs}
data: &a [&b [&c [x, x, x, x, x, x, x, x, x, x], *c, *c, *c, *c, *c, *c, *c, *c, *c], *b, *b, *b, *b, *b, *b, *b, *b, *b]
x: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: deep}
data: ${"[".repeat(230)}${"]".repeat(230)}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after-errors
  __proto__: {polluted: true}
%not a directive here
---
%YAML 1.1
---
apiVersion: v1
kind: ConfigMap
metadata: {name: after-a-directive}
data: {on: off}
`;
