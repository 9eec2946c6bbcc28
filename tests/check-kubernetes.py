#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks data/kubernetes/ offline, as far as this machine can without a
cluster: every YAML document parses and is a Kubernetes object of a known
kind, with no key outside the fields these files may use (a misspelt key
is an error, not silently ignored as an apiserver's lax decoding would);
the device plugin's config.json has what the plugin reads; the pod asks
for the plugin's pool, the network attachment names the same resource,
and the pod's only capabilities are NET_RAW and IPC_LOCK; the socket path
the pod uses is where the plugin puts it; cnetd's configuration in the
DaemonSet's ConfigMap loads in cnetd itself; and, when kubectl is
installed, `kubectl kustomize` builds the whole set.

check-kubernetes.py DATA_DIR CNETD
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

POD_SPEC_KEYS = {"containers", "restartPolicy", "hostNetwork", "volumes",
                 "serviceAccountName", "nodeSelector", "tolerations"}
CONTAINER_KEYS = {"name", "image", "imagePullPolicy", "command", "args",
                  "securityContext", "resources", "volumeMounts", "env"}
SECURITY_KEYS = {"allowPrivilegeEscalation", "capabilities", "runAsUser"}
RESOURCE_KEYS = {"requests", "limits"}
MOUNT_KEYS = {"name", "mountPath", "readOnly"}
VOLUME_KEYS = {"name", "hostPath", "emptyDir", "configMap"}
KINDS = {"ConfigMap", "Pod", "DaemonSet", "NetworkAttachmentDefinition"}
PLUGIN_SOCKET = re.compile(r"/tmp/afxdp_dp/[^/]+/afxdp\.sock")


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def only_keys(obj, allowed, where):
    extra = set(obj) - allowed
    check(not extra, f"{where}: unknown key(s) {sorted(extra)}")


def check_pod_spec(spec, where):
    only_keys(spec, POD_SPEC_KEYS, where)
    volumes = {}
    for v in spec.get("volumes", []):
        only_keys(v, VOLUME_KEYS, f"{where}.volumes[{v.get('name')}]")
        volumes[v["name"]] = v
    check(spec["containers"], f"{where}: no containers")
    for c in spec["containers"]:
        cw = f"{where}.containers[{c.get('name')}]"
        only_keys(c, CONTAINER_KEYS, cw)
        check(c.get("name") and c.get("image"), f"{cw}: needs name and image")
        only_keys(c.get("securityContext", {}), SECURITY_KEYS,
                  cw + ".securityContext")
        only_keys(c.get("resources", {}), RESOURCE_KEYS, cw + ".resources")
        for m in c.get("volumeMounts", []):
            only_keys(m, MOUNT_KEYS, f"{cw}.volumeMounts")
            check(m["name"] in volumes,
                  f"{cw}: mounts volume {m['name']!r}, which is not defined")
    return spec["containers"]


def capabilities(container):
    caps = container.get("securityContext", {}).get("capabilities", {})
    return caps.get("drop", []), caps.get("add", [])


def main(data_dir, cnetd):
    docs = {}
    for path in sorted(glob.glob(os.path.join(data_dir, "*.yaml"))):
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            loaded = [d for d in yaml.safe_load_all(f) if d is not None]
        if name == "kustomization.yaml":
            listed = set(loaded[0]["resources"])
            present = {os.path.basename(p) for p in
                       glob.glob(os.path.join(data_dir, "*.yaml"))}
            check(listed == present - {"kustomization.yaml"},
                  f"{name}: lists {sorted(listed)}, the folder has "
                  f"{sorted(present)}")
            continue
        for d in loaded:
            check(d.get("kind") in KINDS, f"{name}: kind {d.get('kind')!r}")
            check(d.get("apiVersion") and d.get("metadata", {}).get("name"),
                  f"{name}: needs apiVersion and metadata.name")
            docs[(d["kind"], d["metadata"]["name"])] = (name, d)

    # The device plugin's configuration: what the plugin reads.
    _, cm = docs[("ConfigMap", "afxdp-dp-config")]
    plugin = json.loads(cm["data"]["config.json"])
    pools = {p["name"]: p for p in plugin["pools"]}
    for p in pools.values():
        check(p.get("mode") in ("primary", "cdq"),
              f"pool {p['name']}: mode {p.get('mode')!r}")
        check(p.get("drivers") and all("name" in d for d in p["drivers"]),
              f"pool {p['name']}: drivers need names")

    # The network attachment names the pool's resource.
    _, nad = docs[("NetworkAttachmentDefinition", "cnet-afxdp")]
    resource = nad["metadata"]["annotations"][
        "k8s.v1.cni.cncf.io/resourceName"]
    check(resource.startswith("afxdp/") and resource[6:] in pools,
          f"network attachment: resource {resource!r} is no pool's")
    cni = json.loads(nad["spec"]["config"])
    check(cni["type"] == "afxdp" and cni["mode"] == "primary",
          "network attachment: the AF_XDP CNI in primary mode")

    # The pod with the plugin: its resource, network, capabilities, socket.
    name, pod = docs[("Pod", "cnet-echo")]
    (c,) = check_pod_spec(pod["spec"], name)
    res = c["resources"]
    check(res["requests"].get(resource) == res["limits"].get(resource) == "1",
          f"{name}: requests and limits of {resource} must both be \"1\"")
    check(pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"] ==
          nad["metadata"]["name"], f"{name}: not on the network attachment")
    check(capabilities(c) == (["ALL"], ["NET_RAW", "IPC_LOCK"]),
          f"{name}: capabilities {capabilities(c)}")
    check(not pod["spec"].get("hostNetwork"), f"{name}: no hostNetwork")
    check(PLUGIN_SOCKET.search(" ".join(c["command"]).replace(
        "$dev", "dev")), f"{name}: the socket is not the plugin's path")

    # cnetd's DaemonSet and its client.
    name, ds = docs[("DaemonSet", "cnetd")]
    containers = {c["name"]: c for c in
                  check_pod_spec(ds["spec"]["template"]["spec"], name)}
    drop, add = capabilities(containers["cnetd"])
    check(drop == ["ALL"] and set(add) == {"NET_ADMIN", "NET_RAW", "BPF",
                                           "PERFMON", "IPC_LOCK"},
          f"{name}: cnetd's capabilities are the unit's: {drop} {add}")
    _, ccm = docs[("ConfigMap", "cnetd-config")]
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "cnetd.jsonc")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(ccm["data"]["cnetd.jsonc"])
        # cnetd reads its configuration before it looks for a bus: with no
        # bus to connect to, a good file fails at the bus.
        out = subprocess.run([cnetd, "--config", conf, "--address",
                              f"unix:path={tmp}/no-bus"],
                             capture_output=True, text=True, timeout=30,
                             check=False)
        check(out.returncode != 0 and conf not in out.stderr and
              "cannot connect to the bus" in out.stderr,
              f"cnetd-config: cnetd does not take it:\n{out.stderr}")
    served = re.findall(r'"path":\s*"([^"]+)"', ccm["data"]["cnetd.jsonc"])
    check(served and all(PLUGIN_SOCKET.fullmatch(p) for p in served),
          f"cnetd-config: serves {served}, not at the plugin's paths")

    name, pod = docs[("Pod", "cnet-echo-cnetd")]
    (c,) = check_pod_spec(pod["spec"], name)
    check(pod["spec"].get("hostNetwork") is True,
          f"{name}: cnetd serves the node's interfaces: hostNetwork")
    check(capabilities(c) == (["ALL"], ["NET_RAW", "IPC_LOCK"]),
          f"{name}: capabilities {capabilities(c)}")
    uds = c["command"][c["command"].index("--uds") + 1]
    check(uds in served, f"{name}: {uds} is not a socket cnetd serves")

    kubectl = shutil.which("kubectl")
    if kubectl:
        out = subprocess.run([kubectl, "kustomize", data_dir],
                             capture_output=True, text=True, timeout=60,
                             check=False)
        check(out.returncode == 0, f"kubectl kustomize:\n{out.stderr}")
        built = [d for d in yaml.safe_load_all(out.stdout) if d]
        check(len(built) == len(docs), "kubectl kustomize lost objects")
        print(f"kubectl kustomize: {len(built)} objects")
    else:
        print("kubectl not installed: kustomize build not checked")
    print(f"ok: {len(docs)} objects in {data_dir}")


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except (Failed, KeyError, ValueError, yaml.YAMLError) as e:
        print(f"check-kubernetes: {type(e).__name__}: {e}")
        sys.exit(1)
