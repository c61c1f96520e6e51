-- A console message's platform reference is its own id (the console prints `[#ID]` and
-- reactions name that id). Setting it when the row is inserted, inside the turn's own
-- transaction, spares every console reply a second write transaction after it is printed.
CREATE TRIGGER messages_console_ref AFTER INSERT ON messages
WHEN NEW.platform = 'console' AND NEW.author = 'bot' AND NEW.platform_ref IS NULL
BEGIN
    UPDATE messages SET platform_ref = CAST(NEW.id AS TEXT) WHERE id = NEW.id;
END;
