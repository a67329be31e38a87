package videoroom

import (
	"strconv"
	"strings"
)

// knownAudioCodecs and knownVideoCodecs are the codecs Argus negotiates.
var (
	knownAudioCodecs = []string{"opus"}
	knownVideoCodecs = []string{"vp8", "vp9", "h264"}
)

// parseRoomOptions reads the room settings of a create request or of a
// config room (janus-reference.md 6.1) on top of o.
func parseRoomOptions(p params, o *roomOptions) *vrError {
	f := p.fields()
	setOptional(f, params.str, "description", &o.Description)
	setOptional(f, params.str, "secret", &o.Secret)
	setOptional(f, params.str, "pin", &o.Pin)
	setOptional(f, params.boolean, "is_private", &o.IsPrivate)
	setOptional(f, params.boolean, "require_pvtid", &o.RequirePvtID)
	setOptional(f, params.boolean, "notify_joining", &o.NotifyJoining)
	setOptional(f, params.boolean, "audiolevel_event", &o.AudioLevelEvent)
	setOptional(f, params.uint, "audio_active_packets", &o.AudioActivePackets)
	setOptional(f, params.uint, "audio_level_average", &o.AudioLevelAverage)
	setOptional(f, params.uint, "bitrate", &o.Bitrate)
	setOptional(f, params.uint, "fir_freq", &o.FirFreq)
	pubs := f.uint("publishers", false)
	if f.err != nil {
		return f.err
	}
	if pubs > 0 {
		o.Publishers = int(min(pubs, 1<<16))
	}
	for _, c := range []struct {
		key   string
		known []string
		dst   *[]string
	}{{"audiocodec", knownAudioCodecs, &o.AudioCodecs}, {"videocodec", knownVideoCodecs, &o.VideoCodecs}} {
		v, ok, err := p.str(c.key, false)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		list, err := parseCodecList(c.key, v, c.known)
		if err != nil {
			return err
		}
		*c.dst = list
	}
	allowed, ok, err := p.strings("allowed", false)
	if err != nil {
		return err
	}
	if ok {
		o.CheckAllowed = true
		o.Allowed = map[string]bool{}
		for _, t := range allowed {
			o.Allowed[t] = true
		}
	}
	return nil
}

// parseCodecList splits "vp8,h264" and checks every name is supported.
func parseCodecList(key, v string, known []string) ([]string, *vrError) {
	var out []string
	for _, c := range strings.Split(v, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		ok := false
		for _, k := range known {
			ok = ok || k == c
		}
		if !ok {
			return nil, newErr(errInvalidElement, "Invalid element (%s: unsupported codec %s)", key, c)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, newErr(errInvalidElement, "Invalid element (%s)", key)
	}
	return out, nil
}

func formatID(id uint64) string { return strconv.FormatUint(id, 10) }
