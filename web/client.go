package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Websocket timing and sizes (gorilla/websocket's chat example values).
const (
	pongWait    = 60 * time.Second
	pingPeriod  = pongWait * 9 / 10
	pullBatch   = 1000    // log lines per frame
	maxMessage  = 1 << 20 // bytes of frames joined into one websocket message
	pullsPerRun = 4       // batches per log per wake-up, so other work gets a turn
	stuckWrite  = time.Second
)

// Close codes.
const (
	closeNormal    = websocket.CloseNormalClosure
	closeGoingAway = websocket.CloseGoingAway
	closePolicy    = websocket.ClosePolicyViolation
)

// upgrader leaves CheckOrigin nil: gorilla's default refuses (403) a
// handshake whose Origin host differs from the request's Host, which blocks
// cross-site websocket hijacking.
var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 16 << 10}

// client is one websocket connection. Only writePump writes data frames;
// kill may be called from any goroutine.
type client struct {
	h    *hub
	conn *websocket.Conn
	ctrl chan []byte   // bounded queue of pushed frames (runs, errors)
	wake chan struct{} // cap 1: a subscribed log has new lines
	done chan struct{}
	once sync.Once
	// writeStart is when writePump entered the write it is in (unix ns),
	// 0 between writes: a client whose socket is full stays in one.
	writeStart atomic.Int64

	mu   sync.Mutex
	logs map[string]*logSub // by run id
}

// push queues a frame; a client whose queue is full is evicted.
func (c *client) push(frame []byte) {
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.ctrl <- frame:
	default:
		c.evict("too slow: send queue full")
	}
}

// stuck reports whether the client has been inside one write for longer
// than stuckWrite: its socket is not taking data.
func (c *client) stuck() bool {
	t := c.writeStart.Load()
	return t != 0 && time.Since(time.Unix(0, t)) > stuckWrite
}

// evict closes a client that cannot keep up, and counts it once.
func (c *client) evict(reason string) {
	if c.kill(closePolicy, reason) {
		c.h.stats.Evicted.Add(1)
		c.h.log.Info("console: evicted a slow websocket client", "reason", reason, "remote", c.conn.RemoteAddr().String())
	}
}

func (c *client) wakeup() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// kill closes the connection once and reports whether this call did. It
// never blocks: the close frame is sent, with a short deadline, from its own
// goroutine.
func (c *client) kill(code int, text string) (killed bool) {
	c.once.Do(func() {
		killed = true
		close(c.done)
		go func() {
			_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
			_ = c.conn.Close()
		}()
	})
	return killed
}

// serveWS upgrades the request and runs the connection until it ends.
func (h *hub) serveWS(w http.ResponseWriter, r *http.Request, now func() time.Time) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered (403 for a foreign origin)
	}
	c := &client{
		h: h, conn: conn,
		ctrl: make(chan []byte, h.sendBuffer),
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
		logs: map[string]*logSub{},
	}
	if !h.add(c) {
		c.kill(closeGoingAway, "server shutting down")
		return
	}
	c.push(mustJSON(helloFrame{T: "hello", Time: now()}))
	go c.writePump()
	c.readPump()
	c.kill(closeNormal, "")
	h.remove(c)
}

func (c *client) readPump() {
	c.conn.SetReadLimit(maxClientMsg)
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		_, msg, err := c.conn.ReadMessage()
		if err != nil {
			if websocket.IsUnexpectedCloseError(err, websocket.CloseGoingAway, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) {
				select {
				case <-c.done:
				default:
					c.h.log.Debug("console: websocket closed", "err", err)
				}
			}
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
		if err := c.handle(msg); err != nil {
			c.push(mustJSON(errorFrame{T: "error", Msg: err.Error()}))
		}
	}
}

func (c *client) handle(msg []byte) error {
	m, err := decodeClientMsg(msg)
	if err != nil {
		return err
	}
	switch {
	case m.Topic == topicRuns && m.Op == "sub":
		c.h.runs.subscribe(c, *m.Filter)
	case m.Topic == topicRuns:
		c.h.runs.unsubscribe(c)
	case m.Op == "sub":
		ctx, cancel := context.WithTimeout(c.h.ctx, 10*time.Second)
		defer cancel()
		if _, err := c.h.svc.GetRun(ctx, m.Run); err != nil {
			return err
		}
		return c.h.subscribeLog(c, m.Run, m.After)
	default:
		c.h.unsubscribeLog(c, m.Run)
	}
	return nil
}

func (c *client) writePump() {
	ping := time.NewTicker(pingPeriod)
	hb := time.NewTicker(heartbeatPeriod)
	defer func() {
		ping.Stop()
		hb.Stop()
		c.kill(closeNormal, "")
	}()
	for {
		var err error
		select {
		case <-c.done:
			return
		case f := <-c.ctrl:
			err = c.write(c.drain([][]byte{f}))
		case <-c.wake:
			err = c.pullLogs()
		case <-hb.C:
			err = c.write([][]byte{hbFrame})
		case <-ping.C:
			c.writeStart.Store(time.Now().UnixNano())
			_ = c.conn.SetWriteDeadline(time.Now().Add(c.h.writeWait))
			err = c.conn.WriteMessage(websocket.PingMessage, nil)
			c.writeStart.Store(0)
		}
		if err != nil {
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				c.evict("too slow: write timed out")
			}
			return
		}
	}
}

// drain adds the frames already queued, up to maxMessage bytes.
func (c *client) drain(frames [][]byte) [][]byte {
	size := len(frames[0])
	for size < maxMessage {
		select {
		case f := <-c.ctrl:
			frames = append(frames, f)
			size += len(f)
		default:
			return frames
		}
	}
	return frames
}

// write sends frames as one text message, separated by newlines.
func (c *client) write(frames [][]byte) error {
	c.writeStart.Store(time.Now().UnixNano())
	defer c.writeStart.Store(0)
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.h.writeWait))
	w, err := c.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	n := 0
	for i, f := range frames {
		if i > 0 {
			_, _ = w.Write([]byte{'\n'})
			n++
		}
		if _, err := w.Write(f); err != nil {
			return err
		}
		n += len(f)
	}
	if err := w.Close(); err != nil {
		return err
	}
	c.h.stats.Messages.Add(1)
	c.h.stats.Bytes.Add(int64(n))
	return nil
}

// pullLogs sends each subscribed log's new lines.
func (c *client) pullLogs() error {
	c.mu.Lock()
	subs := make(map[string]*logSub, len(c.logs))
	for run, s := range c.logs {
		subs[run] = s
	}
	c.mu.Unlock()
	more := false
	for run, s := range subs {
		done, err := c.pullLog(run, s)
		if err != nil {
			return err
		}
		more = more || !done
	}
	if more {
		c.wakeup()
	}
	return nil
}

// pullLog sends up to pullsPerRun batches of one log; done reports that the
// client is up to date with it.
func (c *client) pullLog(run string, s *logSub) (done bool, err error) {
	t := s.topic
	for range pullsPerRun {
		lines, gap, upToDate := t.pull(s, pullBatch)
		if gap {
			ctx, cancel := context.WithTimeout(c.h.ctx, 10*time.Second)
			lines, err = t.backfill(ctx, s, pullBatch)
			cancel()
			if err != nil {
				c.push(mustJSON(errorFrame{T: "error", Msg: err.Error()}))
				return true, nil
			}
		}
		frames := [][]byte{}
		if len(lines) > 0 {
			frames = append(frames, logFrame(run, lines))
			c.h.stats.LinesSent.Add(int64(len(lines)))
		}
		if upToDate {
			if first, seq := t.markLive(s); first {
				frames = append(frames, mustJSON(liveFrame{T: "live", Run: run, Seq: seq}))
			}
		}
		if len(frames) > 0 {
			if err := c.write(frames); err != nil {
				return true, err
			}
		}
		if upToDate {
			return true, nil
		}
	}
	return false, nil
}
