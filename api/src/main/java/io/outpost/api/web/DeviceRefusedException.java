package io.outpost.api.web;

/**
 * A device may not be used: bound to another user of the tenant ({@code device_bound_to_other_user}) or revoked by an
 * admin ({@code device_revoked}); names the device.
 */
public class DeviceRefusedException extends ApiException {

    private final String deviceId;

    public DeviceRefusedException(String deviceId) {
        this(ErrorCode.DEVICE_BOUND_TO_OTHER_USER, deviceId, "device " + deviceId + " is bound to another user");
    }

    public DeviceRefusedException(ErrorCode code, String deviceId, String detail) {
        super(code, detail);
        this.deviceId = deviceId;
    }

    /** The device was revoked: the client must wipe its local data for it. */
    public static DeviceRefusedException revoked(String deviceId) {
        return new DeviceRefusedException(ErrorCode.DEVICE_REVOKED, deviceId, "device " + deviceId
                + " was revoked by an admin; its local data is to be wiped and it is never accepted again");
    }

    public String deviceId() {
        return deviceId;
    }
}
