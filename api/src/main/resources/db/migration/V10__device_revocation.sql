-- Device revocation (contract v1.2): an admin revokes a lost or stolen device; every later request naming it is
-- 403 device_revoked, and the deviceId is never bound again.
ALTER TABLE devices ADD COLUMN revoked_at TIMESTAMPTZ;
ALTER TABLE devices ADD COLUMN revoked_by TEXT;
