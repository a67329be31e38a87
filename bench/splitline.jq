# splitline.jq: compare.sh's one-line loss split of a run's result JSON.
.loss_split as $x | (.subscribers // 0) as $subs |
def n: if . == null then "n/a" else tostring end;
def p: if . == null then "n/a" else "\(.) %" end;
if $x == null then "loss split: none"
elif $x.error then "loss split: \($x.error)"
else
	"loss split: expected \($x.expected), received \($x.received), lost \($x.lost) (\($x.pct.lost | p))"
	+ " = never sent by the server \($x.not_sent_by_server) (\($x.pct.not_sent_by_server | p))"
	+ " (the server's own sockets dropped \($x.server_socket_recv_drops) incoming datagrams unread: each one of the publisher's is \($subs) never sent)"
	+ (if $x.argus_fanout_queue_drops then " (Argus logged \($x.argus_fanout_queue_drops) packets dropped at full fan-out queues, each for one shard of subscribers)" else "" end)
	+ " + server send-buffer drops \($x.server_socket_send_drops)"
	+ " + sent too late (server \($x.window.server_lag_s * 10 | round / 10) s behind) \($x.sent_too_late) (\($x.pct.sent_too_late | p))"
	+ " + veth drops \($x.veth_drops)"
	+ " + load-tool socket drops \($x.load_socket_drops) (\($x.pct.load_socket | p))"
	+ " + after the load-tool socket \($x.after_load_socket) (\($x.pct.after_load_socket | p))"
	+ "; whole run: server's /metrics said sent \($x.run.server_said_sent | n), kernel counted \($x.run.server_kernel_sent) (\($x.run.metrics_vs_kernel_pct | p) more)"
	+ "; edges ± \($x.edge_uncertainty) (\($x.pct.edge_uncertainty | p)); window end by \($x.window.found_by)"
	+ " → lost on: \($x.side)"
end
