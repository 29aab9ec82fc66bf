"""Helpers the tests share, one of each (no tests here).

- repo: where the checkout is (tests run from any folder)
- signals: synthetic dowel signals with known shapes, and the detector over them
- waiting: wait for a condition (never a fixed sleep to let something happen)
- output: event lines captured as the appliance writes them
- players: a buzzer player that only notes what it was asked to play
- processes: the CLI and small Python children in a subprocess
- appliance: the whole appliance on the simulated dowel in fake time
- recording: sets put through the detector and the set recorder into a store
- stores: stores with known content
- notify: a socket that listens like systemd's notify socket
- pins: mock GPIO pins that debounce like the Pi's
"""
