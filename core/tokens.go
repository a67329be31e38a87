package core

import (
	"maps"
	"slices"
)

// adminTokens handles the stored-token requests (janus-reference.md 3.1, 2.2).
func (g *Gateway) adminTokens(r *janusReq) []byte {
	if !g.cfg.TokenAuth {
		return r.fail(apiErr(CodeUnknown, "Stored-Token based authentication disabled"))
	}
	if r.verb == "list_tokens" {
		return g.listTokens(r)
	}
	token, _, e := r.f.str("token", true)
	if e != nil {
		return r.fail(e)
	}
	switch r.verb {
	case "remove_token":
		g.mu.Lock()
		_, ok := g.tokens[token]
		delete(g.tokens, token)
		g.mu.Unlock()
		if !ok {
			return r.fail(apiErr(CodeUnknown, "Error removing token"))
		}
		return mustJSON(r.reply("success"))
	case "add_token":
		list, has, e := r.f.array("plugins", false, false)
		if e != nil {
			return r.fail(e)
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if _, dup := g.tokens[token]; dup {
			return r.fail(apiErr(CodeUnknown, "Error adding token"))
		}
		allowed := map[string]struct{}{}
		for _, pkg := range g.pluginOrder {
			if !has || slices.Contains(list, any(pkg)) {
				allowed[pkg] = struct{}{}
			}
		}
		g.tokens[token] = allowed
		return g.tokenReply(r, token)
	}
	// allow_token, disallow_token
	list, _, e := r.f.array("plugins", true, true)
	if e != nil {
		return r.fail(e)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	allowed, ok := g.tokens[token]
	if !ok {
		return r.fail(apiErr(CodeTokenNotFound, "Token %s not found", token))
	}
	for _, v := range list {
		s, ok := v.(string)
		if _, known := g.plugins[s]; !ok || !known {
			return r.fail(apiErr(CodeInvalidElementType, "Invalid element type (some of the provided plugins are invalid)"))
		}
	}
	for _, v := range list {
		if r.verb == "allow_token" {
			allowed[v.(string)] = struct{}{}
		} else {
			delete(allowed, v.(string))
		}
	}
	return g.tokenReply(r, token)
}

// tokenReply renders data:{plugins:[...]}; g.mu is held.
func (g *Gateway) tokenReply(r *janusReq, token string) []byte {
	return mustJSON(r.reply("success").set("data", obj{}.set("plugins", g.tokenPluginsLocked(token))))
}

func (g *Gateway) listTokens(r *janusReq) []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	list := []any{}
	for _, t := range slices.Sorted(maps.Keys(g.tokens)) {
		ps := g.tokenPluginsLocked(t)
		if len(ps) == 0 {
			continue
		}
		list = append(list, obj{}.set("token", t).set("allowed_plugins", ps))
	}
	return mustJSON(r.reply("success").set("data", obj{}.set("tokens", list)))
}
