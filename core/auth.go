package core

import (
	"crypto/subtle"
	"slices"
)

// CheckAuth applies Janus's either-or rule (janus-reference.md 2.2): with
// neither api_secret nor token auth configured every request passes;
// otherwise a correct apisecret or a valid stored token is enough.
func (g *Gateway) CheckAuth(apisecret, token string) bool {
	if g.cfg.APISecret == "" && !g.cfg.TokenAuth {
		return true
	}
	if g.cfg.APISecret != "" && subtle.ConstantTimeCompare([]byte(apisecret), []byte(g.cfg.APISecret)) == 1 {
		return true
	}
	return g.cfg.TokenAuth && token != "" && g.tokenValid(token)
}

// tokenValid looks a stored token up in constant time per entry.
func (g *Gateway) tokenValid(token string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	ok := false
	for t := range g.tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			ok = true
		}
	}
	return ok
}

// tokenAllows reports whether token may attach to plugin pkg.
func (g *Gateway) tokenAllows(token, pkg string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	ps, ok := g.tokens[token]
	if !ok {
		return false
	}
	_, ok = ps[pkg]
	return ok
}

// checkAdminSecret checks the Admin API secret in constant time.
func (g *Gateway) checkAdminSecret(secret string) bool {
	if g.cfg.AdminSecret == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(secret), []byte(g.cfg.AdminSecret)) == 1
}

// tokenPlugins lists a token's allowed plugins in load order.
func (g *Gateway) tokenPluginsLocked(token string) []string {
	out := []string{}
	for _, pkg := range g.pluginOrder {
		if _, ok := g.tokens[token][pkg]; ok {
			out = append(out, pkg)
		}
	}
	slices.Sort(out)
	return out
}
