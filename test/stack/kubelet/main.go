// Command inet-swarm-kubelet is the kubelet of the local test stack's real
// node, built from the same Kubernetes module versions as the control plane
// (test/stack/controlplane) so that the node and the API server agree.
//
// `inet-swarm-kubelet remove-pods ENDPOINT` stops and removes every pod
// sandbox of a CRI runtime: the stack runs it after stopping the kubelet, so
// that the runtime tears down each pod's network namespace and mounts before
// it is stopped itself (Debian ships no crictl).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"k8s.io/component-base/cli"
	criclient "k8s.io/cri-client/pkg"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "remove-pods" {
		if err := removePods(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "inet-swarm-kubelet remove-pods:", err)
			os.Exit(1)
		}
		return
	}
	cmd := kubelet.NewKubeletCommand(context.Background())
	os.Exit(cli.Run(cmd))
}

func removePods(endpoint string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runtime, err := criclient.NewRemoteRuntimeService(ctx, endpoint, 10*time.Second, nil, false)
	if err != nil {
		return err
	}
	sandboxes, err := runtime.ListPodSandbox(ctx, nil)
	if err != nil {
		return err
	}
	for _, sandbox := range sandboxes {
		// Stop first: it kills the containers and releases the pod's network.
		if err := runtime.StopPodSandbox(ctx, sandbox.Id); err != nil {
			return fmt.Errorf("stop %s: %w", sandbox.Id, err)
		}
		if err := runtime.RemovePodSandbox(ctx, sandbox.Id); err != nil {
			return fmt.Errorf("remove %s: %w", sandbox.Id, err)
		}
	}
	fmt.Printf("removed %d pod sandboxes\n", len(sandboxes))
	return nil
}
