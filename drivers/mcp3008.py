"""MCP3008 10-bit SPI ADC through gpiozero: the alternative to the ADS1115.

Why a wrapper: the sampler reads contacts with ``read(channel) -> int`` whatever
the ADC, so a build with an MCP3008 is chosen by config alone. gpiozero owns the
SPI (hardware spidev on the Pi, bit-banged or mock elsewhere) and the pin
factory is injected, as every gpiozero device allows, so tests run on
``MockFactory`` with no hardware.

Counts are 0..1023 against VREF (3.3 V on the usual wiring), unsigned: unlike
the ADS1115 there is no negative reading and no PGA.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

FULL_SCALE = 1023


def _gpiozero_mcp3008(channel: int, pin_factory: Any = None, **spi_kwargs: Any) -> Any:
    """Import gpiozero only in builds that have an MCP3008: ADS1115 builds never load it."""
    from gpiozero import MCP3008
    return MCP3008(channel=channel, pin_factory=pin_factory, **spi_kwargs)


class MCP3008Reader:
    """Raw 10-bit counts of the configured MCP3008 channels.

    On the Pi: ``MCP3008Reader((0, 1, 2))`` (hardware SPI0, CE0). In tests,
    any object with ``raw_value`` (or ``value``) and ``close()`` can stand in:

    >>> class Pot:
    ...     def __init__(self, channel, pin_factory=None): self.raw_value = 100 * channel
    ...     def close(self): pass
    >>> reader = MCP3008Reader(channels=(0, 1, 2), device_factory=Pot)
    >>> reader.read(2)
    200
    >>> reader.close()

    Note: gpiozero 2.0's software (and mock) SPI bus looks up the global
    ``Device.pin_factory`` rather than the `pin_factory` given, so under
    ``MockFactory`` set ``Device.pin_factory`` too (as gpiozero's tests do).
    """

    def __init__(self, channels: Iterable[int] = (0, 1, 2), pin_factory: Any = None, *,
                 device_factory: Callable[..., Any] | None = None, **spi_kwargs: Any) -> None:
        chans = tuple(channels)
        for ch in chans:
            if isinstance(ch, bool) or ch not in range(8):
                raise ValueError(f"MCP3008 channel must be 0..7, got {ch!r}")
        if len(set(chans)) != len(chans):
            raise ValueError(f"MCP3008 channels repeat: {chans!r}")
        make = device_factory or _gpiozero_mcp3008
        self.channels = chans
        self._devices: dict[int, Any] = {}
        try:
            for ch in chans:
                self._devices[ch] = make(channel=ch, pin_factory=pin_factory, **spi_kwargs)
        except Exception:
            self.close()
            raise

    def read(self, channel: int) -> int:
        """One conversion of `channel` as a raw count, 0..1023."""
        try:
            device = self._devices[channel]
        except KeyError:
            raise ValueError(f"MCP3008 channel {channel!r} is not one of the configured "
                             f"{self.channels!r}") from None
        return self._count(device)

    @staticmethod
    def _count(device: Any) -> int:
        """gpiozero's raw_value; value (0..1) scaled when a device offers only that."""
        raw = getattr(device, "raw_value", None)
        if raw is None:
            raw = round(device.value * FULL_SCALE)
        return max(0, min(FULL_SCALE, int(raw)))

    def close(self) -> None:
        """Release the SPI interface(s); safe to call twice."""
        for device in self._devices.values():
            device.close()
        self._devices.clear()

    def __enter__(self) -> "MCP3008Reader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
