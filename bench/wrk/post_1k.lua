-- post_1k.lua turns wrk's request into a POST with a 1 KiB body. bench/run.sh
-- prepends it to summary.lua. It only sets wrk.method, wrk.body and
-- wrk.headers, so wrk still builds the request once and keeps its fast path.
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
