# SPDX-License-Identifier: GPL-2.0
# Shared by the guest jobs (in the guest as /pcc/lib.sh; `. /pcc/lib.sh`).

# pcc_unload: rmmod pcc, waiting up to 5 s while a last file release (a
# deferred fput) still holds the module; 0 once it is gone.
pcc_unload() {
	i=0
	while grep -q '^pcc ' /proc/modules; do
		rmmod pcc 2>/dev/null && return 0
		i=$((i + 1))
		[ $i -ge 50 ] && { rmmod pcc; return 1; }
		sleep 0.1
	done
}

# pcc_wipe_store PAGES: zero the store header of a store of PAGES pages on
# /dev/vda (page PAGES, after the data), so that the next load starts a
# fresh store (Documentation/store.md).
pcc_wipe_store() {
	dd if=/dev/zero of=/dev/vda bs=4096 seek="$1" count=1 conv=notrunc 2>/dev/null
}

# pcc_reload [PARAM...]: pcc unloaded, then loaded with these parameters.
pcc_reload() {
	pcc_unload && insmod /pcc/pcc.ko "$@"
}

# pcc_bench_cgroup: move this shell where a systemd service's workload
# runs: a cgroup two levels below the root (system.slice/pcc-bench.service,
# PCC_BENCH_CG), the memory controller on at each level, so that every page
# a fault allocates is charged to its memcg and the charge goes through the
# page counters, which the root memcg's skips (charge_memcg). What the
# shell starts then (pcc_bench, dd, insmod) starts there.
PCC_BENCH_CG=/sys/fs/cgroup/system.slice/pcc-bench.service
pcc_bench_cgroup() {
	cg=/sys/fs/cgroup
	mount -t cgroup2 cgroup2 $cg && echo +memory > $cg/cgroup.subtree_control &&
		mkdir -p $PCC_BENCH_CG && echo +memory > $cg/system.slice/cgroup.subtree_control &&
		echo $$ > $PCC_BENCH_CG/cgroup.procs
}

# pcc_fault_roots: function_graph rooted where a fault enters. arm64:
# do_mem_abort. 32-bit ARM: do_DataAbort and do_PrefetchAbort (a data and
# an instruction fetch abort; do_page_fault is __kprobes, so notrace).
# x86_64: exc_page_fault (with do_user_addr_fault inlined into it) is
# noinstr, so the graph is rooted at each function
# do_user_addr_fault calls (arch/x86/mm/fault.c), and the
# exceptions:page_fault_user/_kernel events mark where each fault begins.
# The host's decoders know the same list (scripts/trace_common.py,
# X86_FAULT_CALLEES).
pcc_fault_roots() {
	case $(uname -m) in
	x86_64)
		for f in lock_vma_under_rcu handle_mm_fault lock_mm_and_find_vma bad_area_nosemaphore \
			bad_area_access_error do_sigbus pagefault_out_of_memory kernelmode_fixup_or_oops; do
			echo $f >> /sys/kernel/tracing/set_graph_function || echo "# $f cannot root a graph here"
		done
		echo 1 > /sys/kernel/tracing/events/exceptions/page_fault_user/enable
		echo 1 > /sys/kernel/tracing/events/exceptions/page_fault_kernel/enable ;;
	armv7*)
		echo do_DataAbort > /sys/kernel/tracing/set_graph_function
		echo do_PrefetchAbort >> /sys/kernel/tracing/set_graph_function ;;
	*) echo do_mem_abort > /sys/kernel/tracing/set_graph_function ;;
	esac
}

# pcc_pid_filters_on: both pid filters (set_ftrace_pid, set_event_pid)
# set before the tracer starts, to pid_max, which no task ever has. The
# first pid written to an empty filter patches kernel text: it switches the
# graph tracer's entry (fgraph_update_pid_func's static_call_update) and
# registers the event filter's sched probes. Done while function_graph
# runs, that once ended in an int3 Oops in function_graph_enter_regs on
# x86_64 under TCG; with the filters already on, writing the traced task's
# pid later leaves the text as it is.
pcc_pid_filters_on() {
	cat /proc/sys/kernel/pid_max > /sys/kernel/tracing/set_ftrace_pid &&
	cat /proc/sys/kernel/pid_max > /sys/kernel/tracing/set_event_pid
}

# pcc_task_stacks PID: the kernel stack of each thread of PID and of its
# children, their children, ... ("# stack of COMM-TID:" then the frames).
pcc_task_stacks() {
	local t comm c
	for t in /proc/$1/task/*; do
		[ -d "$t" ] || continue
		read -r comm < $t/comm
		echo "# stack of $comm-${t##*/} ($(cut -d' ' -f3 $t/stat 2> /dev/null)):"
		sed 's/^/#   /' $t/stack 2> /dev/null
		for c in $(cat $t/children 2> /dev/null); do
			pcc_task_stacks $c
		done
	done
}

# pcc_events [!] 0|1: pcc's events, each with a stack trace, on or off
# (off, as they must be while pcc is unloaded: a module going away with a
# tracepoint in use is a kernel warning).
pcc_events() {
	for e in pcc_fault pcc_map_pages pcc_page_mkwrite pcc_huge_fault pcc_readahead pcc_writeback; do
		echo "$1stacktrace" > /sys/kernel/tracing/events/pcc/$e/trigger
	done
	echo $2 > /sys/kernel/tracing/events/pcc/enable
}

# pcc_trace_off: the tracing prog.job set up, undone (after its run, or
# after the last run of a series it kept the tracer for).
pcc_trace_off() {
	local T=/sys/kernel/tracing e
	pcc_events '!' 0
	for e in $T/events/pcc_prog/*/; do
		echo '!stacktrace' > $e/trigger
		echo 0 > $e/enable
	done
	echo > $T/kprobe_events
	echo 0 > $T/events/signal/signal_generate/enable
	[ -d $T/events/exceptions ] && echo 0 > $T/events/exceptions/enable
	echo nop > $T/current_tracer
	echo local > $T/trace_clock
	echo > $T/set_graph_function
	echo > $T/set_ftrace_pid
	echo > $T/set_event_pid
}
