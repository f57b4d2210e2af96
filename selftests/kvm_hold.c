// SPDX-License-Identifier: GPL-2.0
/*
 * Lab helper, not a test: create a KVM VM so that kvm_amd/kvm_intel switch
 * VMX/SVM on, say so, and hold it until killed. The lab uses it to check
 * that loading domino.ko next to an active KVM fails cleanly.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0) {
		perror("kvm_hold: /dev/kvm");
		return 1;
	}
	printf("kvm_hold: holding the hardware\n");
	fflush(stdout);
	for (;;)
		pause();
}
