// SPDX-License-Identifier: GPL-2.0
/*
 * What the module says it detected agrees with what the CPU says: CPUID
 * for SVM, the IA32_VMX_* capability MSRs for VMX, the kernel's paging
 * depth, the online CPUs, and the sysfs copy of the same facts.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "domino_util.h"

/* Fn8000_000A EDX bit -> Domino feature, as the APM numbers them. */
static const struct { int bit; uint64_t feat; const char *name; } svm_bits[] = {
	{ 0, DOMINO_FEAT_TDP, "NPT" },
	{ 1, DOMINO_FEAT_SVM_LBRV, "LBRV" },
	{ 3, DOMINO_FEAT_SVM_NRIPS, "NRIPS" },
	{ 4, DOMINO_FEAT_TSC_SCALING, "TSC rate" },
	{ 5, DOMINO_FEAT_SVM_VMCB_CLEAN, "VMCB clean" },
	{ 6, DOMINO_FEAT_SVM_FLUSH_BY_ASID, "FlushByAsid" },
	{ 7, DOMINO_FEAT_SVM_DECODE_ASSISTS, "DecodeAssists" },
	{ 10, DOMINO_FEAT_PAUSE_EXITS, "PauseFilter" },
	{ 13, DOMINO_FEAT_APIC_VIRT, "AVIC" },
	{ 15, DOMINO_FEAT_SVM_V_VMSAVE_VMLOAD, "V_VMSAVE_VMLOAD" },
	{ 16, DOMINO_FEAT_SVM_VGIF, "vGIF" },
	{ 25, DOMINO_FEAT_VNMI, "vNMI" },
};

static bool cpu_is(const char *vendor)
{
	uint32_t a, b, c, d;
	char id[13];

	host_cpuid(0, 0, &a, &b, &c, &d);
	memcpy(id, &b, 4);
	memcpy(id + 4, &d, 4);
	memcpy(id + 8, &c, 4);
	id[12] = '\0';
	return !strcmp(id, vendor);
}

static void check_svm(const struct domino_caps *caps)
{
	uint32_t a, b, c, d;
	unsigned int i, bad = 0;

	host_cpuid(0x8000000a, 0, &a, &b, &c, &d);
	ktap_test_result(caps->vendor_revision == (a & 0xff),
			 "SVM revision %u matches CPUID (%u)",
			 caps->vendor_revision, a & 0xff);
	ktap_test_result(caps->nr_tlb_tags == b - 1,
			 "usable ASIDs %u = CPUID NASID %u minus the host's",
			 caps->nr_tlb_tags, b);
	for (i = 0; i < ARRAY_SIZE(svm_bits); i++) {
		bool hw = d & (1u << svm_bits[i].bit);
		bool mod = caps->features & svm_bits[i].feat;

		if (hw != mod) {
			ktap_print_msg("%s: CPUID %d, module %d", svm_bits[i].name, hw, mod);
			bad++;
		}
	}
	ktap_test_result(!bad, "every SVM feature bit agrees with CPUID Fn8000_000A EDX %#x", d);
	ktap_test_result(!(caps->features & 0xffff00000000ULL),
			 "no VMX feature bits on SVM");
}

static void check_vmx(const struct domino_caps *caps)
{
	uint64_t basic, ept, sec;
	bool ok;

	if (!host_rdmsr(0, 0x480, &basic) || !host_rdmsr(0, 0x48c, &ept) ||
	    !host_rdmsr(0, 0x48b, &sec)) {
		static const char *const what[] = {
			"VMCS revision", "usable VPIDs", "VMX feature bits",
			"no SVM bits on VMX",
		};
		unsigned int i;

		for (i = 0; i < 4; i++) {
			if (host_msr_required())
				ktap_test_result(false, "%s: /dev/cpu/0/msr unreadable, and the lab loads msr.ko",
						 what[i]);
			else
				ktap_test_skip("%s: /dev/cpu/0/msr unavailable (msr.ko not loaded)",
					       what[i]);
		}
		return;
	}
	ktap_test_result(caps->vendor_revision == (basic & 0x7fffffff),
			 "VMCS revision %u matches IA32_VMX_BASIC", caps->vendor_revision);
	/* Secondary control 5 = enable VPID (allowed-1 half, SDM A.3.3). */
	ktap_test_result(caps->nr_tlb_tags == (((sec >> 32) & (1u << 5)) ? 0xffffu : 0),
			 "usable VPIDs %u match IA32_VMX_PROCBASED_CTLS2", caps->nr_tlb_tags);
	ok = !!(caps->features & DOMINO_FEAT_TDP_2M) == !!(ept & (1ULL << 16)) &&
	     !!(caps->features & DOMINO_FEAT_TDP_1G) == !!(ept & (1ULL << 17)) &&
	     !!(caps->features & DOMINO_FEAT_TDP_AD) == !!(ept & (1ULL << 21)) &&
	     !!(caps->features & DOMINO_FEAT_VMX_INVEPT) == !!(ept & (1ULL << 20)) &&
	     !!(caps->features & DOMINO_FEAT_VMX_UNRESTRICTED) == !!((sec >> 32) & (1u << 7)) &&
	     !!(caps->features & DOMINO_FEAT_VMX_PML) == !!((sec >> 32) & (1u << 17));
	ktap_test_result(ok, "EPT and secondary-control feature bits agree with the MSRs (EPT_VPID_CAP %#llx)",
			 (unsigned long long)ept);
	ktap_test_result(!(caps->features & 0xffff0000ULL), "no SVM feature bits on VMX");
}

/*
 * With 5-level paging the kernel honours mmap hints above 47 bits; with
 * 4-level it cannot. This tells the depth the nested tables must follow.
 */
static unsigned int host_paging_levels(void)
{
	void *hint = (void *)(1ULL << 52);
	void *p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int levels;

	TEST_ASSERT(p != MAP_FAILED, "mmap probe");
	levels = (uintptr_t)p >= (1ULL << 47) ? 5 : 4;
	munmap(p, 4096);
	return levels;
}

int main(void)
{
	struct domino_caps caps;
	char backend[32];
	unsigned int i;
	bool zero = true;
	int dev;

	ktap_print_header();
	dev = domino_open_dev();
	ktap_set_plan(11);
	domino_get_caps(dev, &caps);
	ktap_print_msg("vendor %u rev %u tdp_levels %u tags %u cpus %u features %#llx",
		       caps.vendor, caps.vendor_revision, caps.tdp_levels,
		       caps.nr_tlb_tags, caps.nr_cpus, (unsigned long long)caps.features);

	ktap_test_result(caps.api_version == DOMINO_API_VERSION, "caps.api_version");
	for (i = 0; i < ARRAY_SIZE(caps.reserved); i++)
		zero &= !caps.reserved[i];
	ktap_test_result(zero && !caps.pad, "reserved fields are zero");
	ktap_test_result(caps.nr_cpus == (uint32_t)host_online_cpus(),
			 "nr_cpus %u = online CPUs %d", caps.nr_cpus, host_online_cpus());
	ktap_test_result(caps.tdp_levels == host_paging_levels() ||
			 (caps.vendor == DOMINO_VENDOR_VMX && caps.tdp_levels == 4),
			 "nested paging depth %u follows the host (%u-level)",
			 caps.tdp_levels, host_paging_levels());

	domino_sysfs_str("backend", backend, sizeof(backend));
	ktap_test_result((uint64_t)domino_sysfs_num("features") == caps.features &&
			 !strcmp(backend, caps.vendor == DOMINO_VENDOR_SVM ? "svm" : "vmx"),
			 "sysfs backend '%s' and features agree with the ioctl", backend);

	if (caps.vendor == DOMINO_VENDOR_SVM) {
		ktap_test_result(cpu_is("AuthenticAMD") || cpu_is("HygonGenuine"),
				 "SVM backend on an AMD CPU");
		check_svm(&caps);
	} else {
		ktap_test_result(caps.vendor == DOMINO_VENDOR_VMX && cpu_is("GenuineIntel"),
				 "VMX backend on an Intel CPU");
		check_vmx(&caps);
	}
	ktap_test_result(caps.features & DOMINO_FEAT_TDP, "nested paging present");
	close(dev);
	ktap_finished();
}
