package dev.moa.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.toy.ToyPicture;
import dev.moa.toy.ToyWorld;
import org.junit.jupiter.api.Test;

/** The probe and the keying on rendered held-out pictures, where the truth is known. */
class ToyProbeTest {

    @Test
    void keyingFindsTheSubjectAndTheProbeReadsClassAndPattern() {
        ToyWorld world = new ToyWorld(0);
        ToyProbe probe = ToyProbe.train(world, 2400);
        double iouSum = 0;
        int n = 60;
        for (int i = 0; i < n; i++) {
            ToyPicture p = world.scene(world.heldOutIdentity(i), 3_000_000 + i);
            SubjectRegion r = SubjectRegion.find(p.image(), probe.scene(p.scene()));
            int inter = 0, union = 0;
            for (int k = 0; k < p.mask().length; k++) {
                boolean t = p.mask()[k] != 0;
                inter += t && r.mask()[k] ? 1 : 0;
                union += t || r.mask()[k] ? 1 : 0;
            }
            iouSum += inter / (double) union;
        }
        double iou = iouSum / n;
        System.out.printf("toy probe: keyed-region IoU %.3f; shape accuracy train %.3f held-out %.3f; pattern held-out %.3f%n",
                iou, probe.trainShapeAccuracy(), probe.heldOutShapeAccuracy(), probe.heldOutPatternAccuracy());
        assertTrue(iou > 0.8, "keyed region vs the true mask: IoU " + iou);
        assertTrue(probe.heldOutShapeAccuracy() >= 0.92, "shape " + probe.heldOutShapeAccuracy());
        assertTrue(probe.heldOutPatternAccuracy() >= 0.9, "pattern " + probe.heldOutPatternAccuracy());
    }
}
