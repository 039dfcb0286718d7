package io.respproxy.proxy.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.StringReader;

/** Parses JSON strictly (RFC 8259: no lenient extras), for tests of what the admin port writes. */
public final class StrictJson {

    private StrictJson() {}

    public static JsonElement parse(String json) {
        JsonReader reader = new JsonReader(new StringReader(json));
        reader.setStrictness(Strictness.STRICT);
        JsonElement e = JsonParser.parseReader(reader);
        try {
            if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("trailing data after the JSON value: " + json);
            }
        } catch (java.io.IOException ex) {
            throw new IllegalArgumentException(ex);
        }
        return e;
    }
}
