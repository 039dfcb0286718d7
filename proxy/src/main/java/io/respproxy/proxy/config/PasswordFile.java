package io.respproxy.proxy.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads a {@code password-file}: the whole file, minus trailing line breaks. */
final class PasswordFile {
    /** Far more than any password; a bigger file is surely the wrong file. */
    private static final long MAX_SIZE = 64 * 1024;

    private PasswordFile() {}

    /**
     * The password in {@code file}, or empty after recording a problem at {@code displayPath}.
     * Problems name the file but never show its contents.
     */
    static Optional<Secret> read(Path file, String displayPath, Problems problems) {
        try {
            if (Files.size(file) > MAX_SIZE) {
                problems.add(displayPath, "password file '" + file + "' is larger than " + MAX_SIZE + " bytes");
                return Optional.empty();
            }
            String text = StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            int end = text.length();
            // Editors and `echo` add a newline; it is never part of the password.
            while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
                end--;
            }
            if (end == 0) {
                problems.add(displayPath, "password file '" + file + "' is empty");
                return Optional.empty();
            }
            return Optional.of(Secret.of(text.substring(0, end)));
        } catch (NoSuchFileException e) {
            problems.add(displayPath, "cannot read password file '" + file + "': no such file");
        } catch (AccessDeniedException e) {
            problems.add(displayPath, "cannot read password file '" + file + "': permission denied");
        } catch (CharacterCodingException e) {
            problems.add(displayPath, "password file '" + file + "' is not UTF-8 text");
        } catch (IOException e) {
            // The exception's message is not shown: some IOExceptions quote what they read.
            problems.add(displayPath, "cannot read password file '" + file + "': " + e.getClass().getSimpleName());
        }
        return Optional.empty();
    }
}
