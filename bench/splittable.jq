# splittable.jq: one Markdown row per VideoRoom run of compare.sh (its
# *.result.json files), where the packets the load tool missed were lost,
# in % of the expected packets:
#   jq -s -r -f bench/splittable.jq OUT/*.result.json
def f: if . == null then "n/a" else tostring end;
("| run | server | expected | lost % | never sent by server % | server send-buffer | server lag s | sent too late % | veth | load-tool socket % | after the socket % | edges ± % | run: kernel vs /metrics sent % | lost on |",
 "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
 (.[] | select(.loss_split != null and .loss_split.error == null) | .loss_split as $x |
	"| \(.sessions) → \(.subscribers) | \(.server) | \($x.expected) | \($x.pct.lost | f) | \($x.pct.not_sent_by_server | f) | \($x.server_socket_send_drops) | \($x.window.server_lag_s * 10 | round / 10) | \($x.pct.sent_too_late | f) | \($x.veth_drops) | \($x.pct.load_socket | f) | \($x.pct.after_load_socket | f) | \($x.pct.edge_uncertainty | f) | \($x.run.metrics_vs_kernel_pct | f) | \($x.side) |"))
