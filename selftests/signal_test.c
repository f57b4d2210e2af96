// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU is a good citizen of the host: a signal stops DOMINO_RUN with
 * EINTR and the vCPU runs on afterwards, immediate_exit returns at once,
 * a thread killed in the middle of a run leaves nothing behind, and a
 * domain whose fd is closed while its vCPU runs lives until the vCPU goes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

static volatile uint64_t spins;

static void guest_spin(void)
{
	GUEST_SYNC(0);
	for (;;)
		spins++;
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	int delay_ms;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = { 0, k->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/* In a child: run a spinning guest forever; the parent kills us. */
static void child_run_forever(int ready_fd)
{
	struct dvm *vm = dvm_create(0);
	struct dvcpu *vcpu = dvcpu_add(vm, 0);
	struct ucall uc;

	dvcpu_setup_long64(vcpu, guest_spin);
	dvcpu_run_ucall(vcpu, &uc);
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	ioctl(vcpu->fd, DOMINO_RUN, 0);
	_exit(3);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct kicker k = { .delay_ms = 200 };
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	pthread_t t;
	uint64_t before;
	int r, status, p[2], dev, doms;
	pid_t pid;
	char c;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(6);
	dvcpu_setup_long64(vcpu, guest_spin);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "sync");
	sigaction(SIGUSR1, &sa, NULL);

	k.target = pthread_self();
	pthread_create(&t, NULL, kick, &k);
	r = ioctl(vcpu->fd, DOMINO_RUN, 0);
	pthread_join(t, NULL);
	before = *(volatile uint64_t *)dvm_gpa(vm, (uintptr_t)&spins);
	ktap_test_result(r == -1 && errno == EINTR && before > 0,
			 "a signal ends DOMINO_RUN with EINTR (guest spun %llu times)",
			 (unsigned long long)before);

	pthread_create(&t, NULL, kick, &k);
	r = ioctl(vcpu->fd, DOMINO_RUN, 0);
	pthread_join(t, NULL);
	ktap_test_result(r == -1 && errno == EINTR &&
			 *(volatile uint64_t *)dvm_gpa(vm, (uintptr_t)&spins) > before,
			 "the vCPU runs on after the signal");

	vcpu->run->immediate_exit = 1;
	r = ioctl(vcpu->fd, DOMINO_RUN, 0);
	ktap_test_result(r == -1 && errno == EINTR, "immediate_exit returns EINTR at once");
	vcpu->run->immediate_exit = 0;

	/* Close the domain fd while a thread runs its vCPU. */
	close(vm->dom);
	vm->dom = open("/dev/null", O_RDONLY);
	pthread_create(&t, NULL, kick, &k);
	r = ioctl(vcpu->fd, DOMINO_RUN, 0);
	pthread_join(t, NULL);
	ktap_test_result(r == -1 && errno == EINTR && domino_sysfs_num("domains") >= 1,
			 "a domain whose fd closed lives while its vCPU does");
	dvcpu_free(vcpu);
	dvm_free(vm);

	dev = domino_open_dev();
	doms = domino_sysfs_num("domains");
	TEST_ASSERT(pipe(p) == 0, "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		child_run_forever(p[1]);
	TEST_ASSERT(read(p[0], &c, 1) == 1, "child ready");
	usleep(100000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ktap_test_result(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			 "a VMM killed while its vCPU runs dies at once");
	ktap_test_result(domino_sysfs_num("domains") == doms &&
			 domino_sysfs_num("virt_cpus") == 0,
			 "and its domain is gone with it (domains %lld, virt_cpus %lld)",
			 domino_sysfs_num("domains"), domino_sysfs_num("virt_cpus"));
	close(dev);
	ktap_finished();
}
