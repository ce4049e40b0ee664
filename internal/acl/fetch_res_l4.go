package acl

// ResContent is an optional interface a Sample implements while mode tcp
// "tcp-response content" rules run: the first bytes the server sent,
// buffered under "tcp-response inspect-delay". A Sample without it gives
// res.len and res.payload no value.
type ResContent interface {
	// ResPayload returns the server bytes buffered so far; final is true
	// once no more will be waited for.
	ResPayload() (b []byte, final bool)
}

// resL4Fetches are the layer-4 response content fetches (configuration.txt
// 7.3.5, res.len and res.payload).
func resL4Fetches() []fetchEntry {
	return []fetchEntry{
		{[]string{"res.len"}, fetchDef{out: TypeInt, fn: fetchResLen}},
		{[]string{"res.payload"}, fetchDef{args: []argType{argInt, argInt}, minArgs: 2, out: TypeBin,
			fn: fetchResPayload, prepare: preparePayload}},
		{[]string{"res.payload_lv"}, fetchDef{args: []argType{argInt, argInt, argStr}, minArgs: 2, out: TypeBin,
			fn: fetchResPayloadLV, prepare: preparePayloadLV}},
	}
}

// fetchResPayloadLV is res.payload_lv(offset1,length[,offset2]).
func fetchResPayloadLV(e *eval, a []arg) {
	c, ok := e.s.(ResContent)
	if !ok {
		return
	}
	b, final := c.ResPayload()
	emitPayloadLV(e, a, b, final)
}

// fetchResLen is res.len; like req.len it waits while the buffer may grow.
func fetchResLen(e *eval, _ []arg) {
	c, ok := e.s.(ResContent)
	if !ok {
		return
	}
	b, final := c.ResPayload()
	e.needMore(final)
	e.emit(intValue(int64(len(b))))
}

// fetchResPayload is res.payload(offset,length).
func fetchResPayload(e *eval, a []arg) {
	c, ok := e.s.(ResContent)
	if !ok {
		return
	}
	b, final := c.ResPayload()
	emitRange(e, b, final, int(a[0].i), int(a[1].i))
}
