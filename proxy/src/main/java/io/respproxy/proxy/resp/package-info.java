/**
 * RESP framing for the data path: {@link io.respproxy.proxy.resp.RespRequestDecoder} (client bytes
 * to zero-copy {@link io.respproxy.proxy.resp.RespRequest}s), {@link io.respproxy.proxy.resp.RespReplyDecoder}
 * (backend bytes to {@link io.respproxy.proxy.resp.RespReply} frames with their kind),
 * {@link io.respproxy.proxy.resp.RespWriter} and {@link io.respproxy.proxy.resp.SharedReplies} for
 * replies the proxy writes itself, {@link io.respproxy.proxy.resp.ReplyStrings} for every fixed
 * reply text. Protocol errors surface as {@link io.respproxy.proxy.resp.RespProtocolError} messages.
 */
package io.respproxy.proxy.resp;
